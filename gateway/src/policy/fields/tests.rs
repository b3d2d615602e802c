use super::*;
use bcgw_sdk::schema::{FactOrAssessment, Person, PersonRole};

fn report() -> Report {
    let mut r = Report {
        source_system: "disc".into(),
        source_record_id: Some("D1".into()),
        ..Default::default()
    };
    r.event.narrative = Some("took razors".into());
    r.location.postcode = Some("BS1 3XE".into());
    r.location.premises_name = Some("Store 1".into());
    r.persons.push(Person {
        role: PersonRole::Suspect,
        name: Some("A Person".into()),
        aliases: vec!["Al".into()],
        age_range: None,
        gender: None,
        description: Some("tall".into()),
        fact_or_assessment: FactOrAssessment::Assessment,
    });
    r.extensions.push(("Till".into(), "4".into()));
    r.extensions.push(("Ethnic appearance".into(), "x".into()));
    r
}

fn policy(fields: &[&str], special: &[&str]) -> FieldPolicy {
    let f: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    let s: Vec<String> = special.iter().map(|s| s.to_string()).collect();
    FieldPolicy::compile(&f, &s).expect("compiles")
}

#[test]
fn fields_outside_the_agreement_are_removed_and_named() {
    let mut r = report();
    let removed = policy(&["event.*", "location.postcode"], &[]).apply(&mut r);
    assert_eq!(r.event.narrative.as_deref(), Some("took razors"));
    assert_eq!(r.location.postcode.as_deref(), Some("BS1 3XE"));
    assert_eq!(r.location.premises_name, None);
    assert_eq!(r.persons.len(), 1, "the person stays, with their role");
    assert_eq!(r.persons[0].name, None);
    assert!(r.persons[0].aliases.is_empty());
    assert_eq!(r.persons[0].description, None);
    assert!(r.extensions.is_empty());
    assert_eq!(
        removed.fields,
        vec![
            "location.premises_name",
            "persons.name",
            "persons.aliases",
            "persons.description",
            "extensions.till"
        ]
    );
    assert_eq!(removed.special, vec!["extensions.ethnic-appearance"]);
}

#[test]
fn special_category_flows_only_when_listed_as_such() {
    let mut r = report();
    let removed = policy(&["*"], &["extensions.ethnic_appearance"]).apply(&mut r);
    assert!(removed.is_empty(), "{removed:?}");
    assert_eq!(r.extensions.len(), 2);
    // `*` and `extensions.*` never take special-category data in.
    let mut r = report();
    let removed = policy(&["*"], &[]).apply(&mut r);
    assert_eq!(removed.special, vec!["extensions.ethnic-appearance"]);
    assert_eq!(r.extensions.len(), 1);
}

#[test]
fn bad_paths_are_each_reported() {
    let f: Vec<String> = [
        "persons.nmae",
        "event.kind",
        "extensions.religion",
        "vehicles.*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let e = FieldPolicy::compile(&f, &["extensions.till".into()]).unwrap_err();
    let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        vec!["fields[0]", "fields[1]", "fields[2]", "special_category[0]"]
    );
}
