//! What a source or sink holds exclusively while it runs — a serial port, an
//! MQTT client id on a broker, a folder it takes files from — so that two
//! components configured to hold the same one are refused at check time rather
//! than fighting at run time (the broker disconnecting one client id in favour
//! of the other, over and over; two readers splitting a port's bytes).

use super::problems::Problems;
use std::collections::BTreeMap;

/// One exclusive resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    /// A serial device, by its path (`/dev/ttyUSB0`, `COM3`).
    SerialPort(String),
    /// A client id on a broker (`host:port`).
    MqttClient {
        /// The broker, `host:port`.
        broker: String,
        /// The client id.
        client_id: String,
    },
    /// A folder whose files a source takes (and moves away).
    IntakeFolder(std::path::PathBuf),
}

impl Resource {
    fn describe(&self) -> String {
        match self {
            Resource::SerialPort(p) => format!("serial port {p}"),
            Resource::MqttClient { broker, client_id } => {
                format!("MQTT client id {client_id:?} on {broker}")
            }
            Resource::IntakeFolder(p) => format!("folder {}", p.display()),
        }
    }

    fn why(&self) -> &'static str {
        match self {
            Resource::SerialPort(_) => "one port is read by one source",
            Resource::MqttClient { .. } => {
                "a broker keeps one connection per client id and drops the other, over and over; set client_id on one of them"
            }
            Resource::IntakeFolder(_) => "each file would go to whichever source saw it first",
        }
    }
}

/// Reports every resource claimed by more than one component. `claims` are
/// (the claiming table's key, what it holds).
pub fn check_conflicts(claims: &[(String, Resource)], p: &mut Problems) {
    let mut by: BTreeMap<&Resource, Vec<&str>> = BTreeMap::new();
    for (key, r) in claims {
        by.entry(r).or_default().push(key);
    }
    for (r, keys) in by {
        if let [first, rest @ ..] = keys.as_slice()
            && !rest.is_empty()
        {
            p.error(
                (*first).to_string(),
                format!(
                    "{} is also used by {}: {}",
                    r.describe(),
                    rest.join(", "),
                    r.why()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_port_twice_is_an_error_naming_both() {
        let claims = vec![
            (
                "sources.a.serial".to_string(),
                Resource::SerialPort("/dev/ttyS1".into()),
            ),
            (
                "sources.b.serial".to_string(),
                Resource::SerialPort("/dev/ttyS1".into()),
            ),
            (
                "sources.c.serial".to_string(),
                Resource::SerialPort("/dev/ttyS2".into()),
            ),
        ];
        let mut p = Problems::default();
        check_conflicts(&claims, &mut p);
        let errors: Vec<_> = p.errors().collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key, "sources.a.serial");
        assert!(errors[0].message.contains("sources.b.serial"));
    }
}
