//! The stored states as SQLite values: bound as parameters, read back checked.

use super::super::StoreError;
use super::super::states::{DeliveryState, PayloadState, QuarantineState, Stage};
use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};

macro_rules! sql_state {
    ($($name:ident),+) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_str().as_bytes())))
            }
        }

        impl FromSql for $name {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::parse(s).ok_or_else(|| {
                    FromSqlError::Other(Box::new(StoreError::Corrupt(format!(
                        concat!("unknown ", stringify!($name), " {:?}"),
                        s
                    ))))
                })
            }
        }
    )+};
}

sql_state!(Stage, PayloadState, DeliveryState, QuarantineState);

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn states_round_trip_and_unknown_names_are_corruption() {
        let c = Connection::open_in_memory().unwrap();
        for &s in DeliveryState::ALL {
            let back: DeliveryState = c.query_row("SELECT ?1", [s], |r| r.get(0)).unwrap();
            assert_eq!(back, s);
        }
        let err = c
            .query_row("SELECT 'delivred'", [], |r| r.get::<_, DeliveryState>(0))
            .unwrap_err();
        assert!(err.to_string().contains("unknown DeliveryState"), "{err}");
    }
}
