//! MQTT 5 with rumqttc: the radio bridge publishing alerts at QoS 1, and the
//! gateway's persistent session made on the broker before the gateway first
//! connects (so no alert published before it subscribes is lost).

use crate::channels::Alert;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, PublishProperties};
use rumqttc::v5::{Client, Connection, Event, MqttOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A bridge publishing alerts; counts the broker's acknowledgements.
pub struct Publisher {
    client: Client,
    acked: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    /// Alerts handed to the client.
    pub sent: usize,
}

/// Drives `connection`, counting PUBACKs into `acked`, until `stop` is set and
/// the connection ends.
fn drive(mut connection: Connection, acked: Arc<AtomicUsize>, stop: Arc<AtomicBool>) {
    for event in connection.iter() {
        match event {
            Ok(Event::Incoming(Packet::PubAck(_))) => {
                acked.fetch_add(1, Ordering::SeqCst);
            }
            Ok(_) => {}
            Err(_) if stop.load(Ordering::SeqCst) => return,
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

impl Publisher {
    /// Connects as the bridge (`bench-bridge`, MQTT 5).
    pub fn connect(port: u16) -> Publisher {
        let mut o = MqttOptions::new("bench-bridge", "127.0.0.1", port);
        o.set_outgoing_inflight_upper_limit(100);
        o.set_keep_alive(Duration::from_secs(30));
        let (client, connection) = Client::new(o, 1000);
        let acked = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (a, s) = (acked.clone(), stop.clone());
        std::thread::spawn(move || drive(connection, a, s));
        Publisher {
            client,
            acked,
            stop,
            sent: 0,
        }
    }

    /// Publishes one alert at QoS 1 with its user properties.
    pub fn publish(&mut self, alert: Alert) {
        let props = PublishProperties {
            user_properties: alert.properties,
            ..PublishProperties::default()
        };
        self.client
            .publish_with_properties(alert.topic, QoS::AtLeastOnce, false, alert.line, props)
            .expect("publish queued");
        self.sent += 1;
    }

    /// Waits until the broker has acknowledged every alert.
    pub fn wait_acked(&self) {
        let deadline = Instant::now() + Duration::from_secs(600);
        while self.acked.load(Ordering::SeqCst) < self.sent {
            assert!(
                Instant::now() < deadline,
                "broker did not acknowledge the alerts"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.client.disconnect();
    }
}

/// Makes the gateway's persistent session (`client_id`, clean start off, a
/// week's expiry, subscribed to `filter` at QoS 1), then leaves: the broker
/// queues every alert for the gateway from now on, before it ever connects.
pub fn make_session(port: u16, client_id: &str, filter: &str) {
    let mut o = MqttOptions::new(client_id, "127.0.0.1", port);
    o.set_clean_start(false);
    o.set_session_expiry_interval(Some(7 * 24 * 3600));
    let (client, mut connection) = Client::new(o, 10);
    client
        .subscribe(filter, QoS::AtLeastOnce)
        .expect("subscribe queued");
    for event in connection.iter() {
        match event {
            Ok(Event::Incoming(Packet::SubAck(_))) => break,
            Ok(_) => {}
            Err(e) => panic!("making the gateway's MQTT session: {e}"),
        }
    }
    let _ = client.disconnect();
    for event in connection.iter() {
        if event.is_err() {
            break;
        }
    }
}
