//! The states a stored row moves through, as types: a state is written and read
//! through these enums, never as free text, so a misspelt state is a compile
//! error rather than a row no query ever finds again.
//!
//! Each has a stable stored name ([`as_str`](PayloadState::as_str)) shared by every
//! store backend; reading an unknown name back is corruption.

/// Declares a stored state: the enum, its stored names and `Display`.
macro_rules! stored_state {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every state, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Parses a stored name.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

stored_state! {
    /// The pipeline stage an item was quarantined at.
    Stage {
        /// The source could not cut the bytes into a usable payload (a serial
        /// frame too long, bytes outside any frame).
        Receive => "receive",
        /// The plugin could not translate the payload or an item of it.
        Translate => "translate",
        /// A translated report broke the schema rules.
        Validate => "validate",
        /// The sink refused the delivery permanently (or the renderer failed).
        Deliver => "deliver",
    }
}

stored_state! {
    /// Where a journaled payload is.
    PayloadState {
        /// Waiting for translation.
        Pending => "pending",
        /// Kept out of translation (a receive-stage quarantine entry says why).
        Held => "held",
        /// Translated: its records and quarantine entries are stored.
        Done => "done",
    }
}

stored_state! {
    /// Where one sink's delivery of one incident (an outbox row) is.
    DeliveryState {
        /// To be sent: the first delivery, an update, a merge or a withdrawal.
        Pending => "pending",
        /// Sent, and nothing newer is waiting.
        Delivered => "delivered",
        /// Given up on: a quarantine entry holds the reason.
        Dead => "dead",
        /// Merged into another incident's occurrence.
        Merged => "merged",
        /// Withdrawn: the incident was left with no reports.
        Withdrawn => "withdrawn",
    }
}

impl DeliveryState {
    /// States after which a downstream sink may go: the upstream sink delivered,
    /// gave up, or has nothing left to do.
    pub const UPSTREAM_DONE: &'static [DeliveryState] = &[
        DeliveryState::Delivered,
        DeliveryState::Dead,
        DeliveryState::Merged,
        DeliveryState::Withdrawn,
    ];
}

stored_state! {
    /// Where a quarantine entry is.
    QuarantineState {
        /// Waiting for a person.
        Open => "open",
        /// Sent back through the pipeline.
        Replayed => "replayed",
    }
}
