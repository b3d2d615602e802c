//! A small blocking HTTP client (reqwest on a runtime of its own, keep-alive):
//! webhooks to the gateway, listings from the simulator.

use std::time::Duration;

/// Keep-alive HTTP from synchronous code.
pub struct Http {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    /// A client with a 60 s timeout per request.
    pub fn new() -> Http {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        Http { rt, client }
    }

    /// POSTs `body` with a bearer token; the status, or the error (refused
    /// connection, reset...).
    pub fn post(
        &self,
        url: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<u16, reqwest::Error> {
        self.rt.block_on(async {
            let r = self
                .client
                .post(url)
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await?;
            let status = r.status().as_u16();
            let _ = r.bytes().await;
            Ok(status)
        })
    }

    /// GETs `url` as JSON.
    pub fn get_json(&self, url: &str) -> serde_json::Value {
        self.rt.block_on(async {
            let r = self.client.get(url).send().await.expect("GET");
            let bytes = r.bytes().await.expect("body");
            serde_json::from_slice(&bytes).expect("JSON")
        })
    }
}
