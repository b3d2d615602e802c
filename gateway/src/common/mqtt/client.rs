//! One MQTT client over rumqttc's 3.1.1 and 5 implementations. The source and
//! sink see normalised [`Incoming`] events and one [`MqttClient`] handle, whatever
//! the protocol version.
//!
//! rumqttc's event loop must be polled continuously: acknowledgements, subscribes
//! and publishes queued on the client go out only while [`MqttConnection::poll`]
//! runs. A failed poll is a lost connection; polling again reconnects (the caller
//! waits a backoff first). rumqttc does not resubscribe after a reconnect: the
//! caller does, on every [`Incoming::Connected`].

use super::broker::{Broker, Credentials, ProtocolVersion};
use bytes::Bytes;
use rumqttc::v5 as r5;

/// A message as received, with what is needed to acknowledge it.
#[derive(Debug, Clone)]
pub struct Message {
    /// The topic it was published on.
    pub topic: String,
    /// The body.
    pub payload: Bytes,
    /// QoS it was delivered with (0, 1, 2).
    pub qos: u8,
    /// Whether this is a retained copy.
    pub retain: bool,
    /// MQTT 5 user properties, in order (empty for 3.1.1).
    pub properties: Vec<(String, String)>,
    /// The packet id (for the acknowledgement).
    pub pkid: u16,
}

/// What a poll of the connection came back with.
#[derive(Debug)]
pub enum Incoming {
    /// A connection is up (after a connect or reconnect).
    Connected {
        /// The broker still had our session: messages queued while we were away
        /// follow.
        session_present: bool,
    },
    /// A message.
    Message(Message),
    /// The broker answered a subscribe: the filters (by position) it refused.
    Subscribed {
        /// Positions of refused filters in the subscribe request.
        refused: Vec<usize>,
    },
    /// One of our publishes went out on the wire with this packet id (again,
    /// after a reconnect, for one not yet acknowledged). Publishes go out in the
    /// order they were queued.
    Sent {
        /// Its packet id (0 for QoS 0).
        pkid: u16,
    },
    /// The broker acknowledged one of our QoS 1 publishes.
    Published {
        /// Its packet id.
        pkid: u16,
    },
    /// Anything else (pings, outgoing packets).
    Other,
}

/// Why a poll failed.
#[derive(Debug)]
pub enum PollError {
    /// The broker refused the connection (credentials, client id): the code.
    Refused(String),
    /// Network, TLS or protocol error; the connection is gone.
    Lost(String),
}

/// The handle for acknowledging, subscribing and publishing.
#[derive(Clone)]
pub enum MqttClient {
    /// MQTT 3.1.1.
    V4(rumqttc::AsyncClient),
    /// MQTT 5.
    V5(r5::AsyncClient),
}

/// The connection's event loop.
pub enum MqttConnection {
    /// MQTT 3.1.1.
    V4(Box<rumqttc::EventLoop>),
    /// MQTT 5.
    V5(Box<r5::EventLoop>),
}

fn qos4(q: u8) -> rumqttc::QoS {
    match q {
        0 => rumqttc::QoS::AtMostOnce,
        2 => rumqttc::QoS::ExactlyOnce,
        _ => rumqttc::QoS::AtLeastOnce,
    }
}

fn qos5(q: u8) -> r5::mqttbytes::QoS {
    match q {
        0 => r5::mqttbytes::QoS::AtMostOnce,
        2 => r5::mqttbytes::QoS::ExactlyOnce,
        _ => r5::mqttbytes::QoS::AtLeastOnce,
    }
}

fn transport(creds: &Credentials) -> rumqttc::Transport {
    match &creds.tls {
        None => rumqttc::Transport::tcp(),
        Some(t) => match &t.ca {
            None => rumqttc::Transport::tls_with_default_config(),
            Some(ca) => rumqttc::Transport::tls_with_config(rumqttc::TlsConfiguration::Simple {
                ca: ca.clone(),
                alpn: None,
                client_auth: t.client_cert.clone().zip(t.client_key.clone()),
            }),
        },
    }
}

/// Sets up a client and its event loop (nothing is sent until the first poll).
/// `manual_acks`: messages are acknowledged only by [`MqttClient::ack`].
/// `capacity`: requests (acks, publishes) queued towards the event loop.
pub fn connect(
    broker: &Broker,
    creds: &Credentials,
    manual_acks: bool,
    capacity: usize,
) -> (MqttClient, MqttConnection) {
    match broker.protocol {
        ProtocolVersion::V311 => {
            let mut o = rumqttc::MqttOptions::new(&broker.client_id, &broker.host, broker.port);
            o.set_keep_alive(broker.keep_alive)
                .set_clean_session(!broker.persistent_session)
                .set_manual_acks(manual_acks)
                .set_max_packet_size(broker.max_packet_bytes, broker.max_packet_bytes)
                .set_transport(transport(creds));
            if let Some(user) = &creds.username {
                o.set_credentials(user.clone(), creds.password.clone().unwrap_or_default());
            }
            let (c, e) = rumqttc::AsyncClient::new(o, capacity);
            (MqttClient::V4(c), MqttConnection::V4(Box::new(e)))
        }
        ProtocolVersion::V5 => {
            let mut o = r5::MqttOptions::new(&broker.client_id, &broker.host, broker.port);
            o.set_keep_alive(broker.keep_alive)
                .set_clean_start(!broker.persistent_session)
                .set_manual_acks(manual_acks)
                .set_max_packet_size(Some(broker.max_packet_bytes as u32))
                .set_transport(transport(creds));
            if broker.persistent_session {
                o.set_session_expiry_interval(Some(broker.session_expiry_secs));
            }
            // Receive Maximum: the broker sends no more than this many messages
            // unacknowledged, which bounds what the source holds.
            o.set_receive_maximum(Some(u16::try_from(capacity).unwrap_or(u16::MAX).max(1)));
            if let Some(user) = &creds.username {
                o.set_credentials(user.clone(), creds.password.clone().unwrap_or_default());
            }
            let (c, e) = r5::AsyncClient::new(o, capacity);
            (MqttClient::V5(c), MqttConnection::V5(Box::new(e)))
        }
    }
}

impl MqttConnection {
    /// Waits for the next event. Errors mean the connection is gone; polling
    /// again reconnects.
    pub async fn poll(&mut self) -> Result<Incoming, PollError> {
        match self {
            MqttConnection::V4(e) => match e.poll().await {
                Ok(rumqttc::Event::Incoming(p)) => Ok(incoming4(p)),
                Ok(rumqttc::Event::Outgoing(rumqttc::Outgoing::Publish(pkid))) => {
                    Ok(Incoming::Sent { pkid })
                }
                Ok(rumqttc::Event::Outgoing(_)) => Ok(Incoming::Other),
                Err(rumqttc::ConnectionError::ConnectionRefused(code)) => {
                    Err(PollError::Refused(format!("{code:?}")))
                }
                Err(e) => Err(PollError::Lost(e.to_string())),
            },
            MqttConnection::V5(e) => match e.poll().await {
                Ok(r5::Event::Incoming(p)) => Ok(incoming5(p)),
                Ok(r5::Event::Outgoing(rumqttc::Outgoing::Publish(pkid))) => {
                    Ok(Incoming::Sent { pkid })
                }
                Ok(r5::Event::Outgoing(_)) => Ok(Incoming::Other),
                Err(r5::ConnectionError::ConnectionRefused(code)) => {
                    Err(PollError::Refused(format!("{code:?}")))
                }
                Err(e) => Err(PollError::Lost(e.to_string())),
            },
        }
    }
}

fn incoming4(p: rumqttc::Packet) -> Incoming {
    use rumqttc::Packet;
    match p {
        Packet::ConnAck(a) => Incoming::Connected {
            session_present: a.session_present,
        },
        Packet::Publish(p) => Incoming::Message(Message {
            topic: p.topic,
            payload: p.payload,
            qos: p.qos as u8,
            retain: p.retain,
            properties: Vec::new(),
            pkid: p.pkid,
        }),
        Packet::SubAck(s) => Incoming::Subscribed {
            refused: s
                .return_codes
                .iter()
                .enumerate()
                .filter(|(_, c)| matches!(c, rumqttc::SubscribeReasonCode::Failure))
                .map(|(i, _)| i)
                .collect(),
        },
        Packet::PubAck(a) => Incoming::Published { pkid: a.pkid },
        _ => Incoming::Other,
    }
}

fn incoming5(p: r5::mqttbytes::v5::Packet) -> Incoming {
    use r5::mqttbytes::v5::{Packet, SubscribeReasonCode};
    match p {
        Packet::ConnAck(a) => Incoming::Connected {
            session_present: a.session_present,
        },
        Packet::Publish(p) => Incoming::Message(Message {
            topic: String::from_utf8_lossy(&p.topic).into_owned(),
            payload: p.payload,
            qos: p.qos as u8,
            retain: p.retain,
            properties: p
                .properties
                .map(|pr| pr.user_properties)
                .unwrap_or_default(),
            pkid: p.pkid,
        }),
        Packet::SubAck(s) => Incoming::Subscribed {
            refused: s
                .return_codes
                .iter()
                .enumerate()
                .filter(|(_, c)| !matches!(c, SubscribeReasonCode::Success(_)))
                .map(|(i, _)| i)
                .collect(),
        },
        Packet::PubAck(a) => Incoming::Published { pkid: a.pkid },
        _ => Incoming::Other,
    }
}

impl MqttClient {
    /// Acknowledges a received message (PUBACK for QoS 1, PUBREC for QoS 2). A
    /// QoS 0 message needs none.
    pub async fn ack(&self, qos: u8, pkid: u16) -> Result<(), String> {
        match self {
            MqttClient::V4(c) => {
                let mut p = rumqttc::Publish::new("", qos4(qos), Vec::new());
                p.pkid = pkid;
                c.ack(&p).await.map_err(|e| e.to_string())
            }
            MqttClient::V5(c) => {
                let mut p = r5::mqttbytes::v5::Publish::new("", qos5(qos), Vec::new(), None);
                p.pkid = pkid;
                c.ack(&p).await.map_err(|e| e.to_string())
            }
        }
    }

    /// Queues a subscribe for every filter at `qos` without waiting (the event
    /// loop, polled by the caller, sends it).
    pub fn try_subscribe(&self, filters: &[String], qos: u8) -> Result<(), String> {
        match self {
            MqttClient::V4(c) => c
                .try_subscribe_many(
                    filters
                        .iter()
                        .map(|f| rumqttc::SubscribeFilter::new(f.clone(), qos4(qos))),
                )
                .map_err(|e| e.to_string()),
            MqttClient::V5(c) => c
                .try_subscribe_many(
                    filters
                        .iter()
                        .map(|f| r5::mqttbytes::v5::Filter::new(f.clone(), qos5(qos))),
                )
                .map_err(|e| e.to_string()),
        }
    }

    /// Queues a publish (waits only if the request queue is full).
    pub async fn publish(&self, topic: &str, payload: Vec<u8>, qos: u8) -> Result<(), String> {
        match self {
            MqttClient::V4(c) => c
                .publish(topic, qos4(qos), false, payload)
                .await
                .map_err(|e| e.to_string()),
            MqttClient::V5(c) => c
                .publish(topic, qos5(qos), false, payload)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// Queues a clean disconnect.
    pub fn try_disconnect(&self) {
        let _ = match self {
            MqttClient::V4(c) => c.try_disconnect().map_err(|e| e.to_string()),
            MqttClient::V5(c) => c.try_disconnect().map_err(|e| e.to_string()),
        };
    }
}
