//! `Json<T>` through a real `Router`: every rejection is a problem with a
//! stable code, a reason and a pointer made of the type's own names, and
//! none of the submitted values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::collections::{BTreeMap, HashMap};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::DefaultBodyLimit,
    http::{Request, StatusCode, header},
    routing::post,
};
use guardrail_axum::{Json, PROBLEM_JSON};
use guardrail_validate::{Email, FetchUrl, HostName, Label, RelativePath, Username};
use proptest::prelude::*;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use tower::ServiceExt as _;

/// The body limit of the test router, in bytes.
const LIMIT_BYTES: usize = 1024;

/// What came back: the status line, every header as text, the body.
struct Answer {
    status: StatusCode,
    status_line: String,
    headers: String,
    body: String,
}

impl Answer {
    fn problem(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// Asserts that `needle` is nowhere in the response.
    fn assert_without(&self, needle: &str) {
        for (part, text) in [("status line", &self.status_line), ("headers", &self.headers), ("body", &self.body)] {
            assert!(!text.contains(needle), "the {part} holds a submitted value");
        }
    }

    /// Asserts a problem+json answer with this status, code, reason and pointer.
    fn assert_problem(&self, status: u16, code: &str, reason: Option<&str>, pointer: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert!(self.headers.contains(&format!("content-type: {PROBLEM_JSON}")), "{}", self.headers);
        let problem = self.problem();
        assert_eq!(problem["status"], status);
        assert_eq!(problem["code"], code);
        assert_eq!(problem.get("reason").and_then(Value::as_str), reason, "{}", self.body);
        assert_eq!(problem.get("pointer").and_then(Value::as_str), pointer, "{}", self.body);
    }
}

/// POSTs `body` to a route that takes `Json<T>`; 204 when it parsed.
async fn send<T: DeserializeOwned + Send + 'static>(content_type: Option<&str>, body: impl Into<Body>) -> Answer {
    let app = Router::new()
        .route("/", post(|Json(_): Json<T>| async { StatusCode::NO_CONTENT }))
        .layer(DefaultBodyLimit::max(LIMIT_BYTES));
    let mut request = Request::post("/");
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let response = app.oneshot(request.body(body.into()).unwrap()).await.unwrap();
    let status = response.status();
    let status_line = format!("HTTP/1.1 {} {}", status.as_str(), status.canonical_reason().unwrap_or(""));
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())))
        .collect();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    Answer { status, status_line, headers, body: String::from_utf8(body.to_vec()).unwrap() }
}

async fn send_json<T: DeserializeOwned + Send + 'static>(body: &str) -> Answer {
    send::<T>(Some("application/json"), body.to_owned()).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read by serde only
struct Login {
    login: String,
    password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read by serde only
struct Order {
    items: Vec<Item>,
    #[serde(default)]
    tags: HashMap<String, u32>,
    note: Option<String>,
    payment: Option<Payment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read by serde only
struct Item {
    name: String,
    qty: u32,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by serde only
enum Payment {
    Cash,
    Card { number: String },
    Voucher(u64),
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by serde only
struct SignUp {
    email: Email,
    username: Username,
}

#[tokio::test]
async fn json_type_error_answers_a_problem_without_the_value() {
    let answer = send_json::<Login>(r#"{"login":"a","password":1234567}"#).await;
    answer.assert_problem(400, "malformed_request", Some("invalid_type"), Some("#/password"));
    answer.assert_without("1234567");
}

#[tokio::test]
async fn a_password_of_any_wrong_type_is_not_echoed() {
    let cases = [
        (r#"{"login":"a","password":{"hunter2canary":"hunter2canary"}}"#, "hunter2canary"),
        (r#"{"login":"a","password":["hunter2canary", 8675309]}"#, "hunter2canary"),
        (r#"{"login":"a","password":true}"#, "true"),
        (r#"{"login":"a","password":86753098675309867530986753098675309}"#, "8675309"),
        (r#"{"login":"a","password":-8675309.25e-3}"#, "8675309"),
    ];
    for (body, needle) in cases {
        let answer = send_json::<Login>(body).await;
        answer.assert_problem(400, "malformed_request", Some("invalid_type"), Some("#/password"));
        answer.assert_without(needle);
    }
}

#[tokio::test]
async fn unknown_missing_and_duplicate_fields_name_only_declared_fields() {
    let answer = send_json::<Login>(r#"{"login":"a","password":"b","hunter2canary":1}"#).await;
    answer.assert_problem(400, "malformed_request", Some("unknown_field"), Some("#"));
    answer.assert_without("hunter2canary");
    let answer = send_json::<Login>(r#"{"login":"hunter2canary"}"#).await;
    answer.assert_problem(400, "malformed_request", Some("missing_field"), Some("#/password"));
    answer.assert_without("hunter2canary");
    let answer = send_json::<Login>(r#"{"login":"a","login":"hunter2canary","password":"b"}"#).await;
    answer.assert_problem(400, "malformed_request", Some("duplicate_field"), Some("#/login"));
    answer.assert_without("hunter2canary");
}

#[tokio::test]
async fn nested_failures_point_through_indices_keys_and_variants() {
    let cases = [
        (r#"{"items":[{"name":"a","qty":1},{"name":"b","qty":"hunter2canary"}]}"#, "invalid_type", "#/items/1/qty"),
        (r#"{"items":[{"name":"a","qty":1,"hunter2canary":2}]}"#, "unknown_field", "#/items/0"),
        (r#"{"items":[],"tags":{"hunter2canary":"x"}}"#, "invalid_type", "#/tags/*"),
        (r#"{"items":[],"tags":{"hunter2canary":-1}}"#, "invalid_value", "#/tags/*"),
        (r#"{"items":[],"payment":{"Card":{"number":8675309}}}"#, "invalid_type", "#/payment/Card/number"),
        (r#"{"items":[],"payment":{"Voucher":"hunter2canary"}}"#, "invalid_type", "#/payment/Voucher"),
        (r#"{"items":[],"payment":"hunter2canary"}"#, "unknown_variant", "#/payment"),
        (r#"{"items":[],"note":["hunter2canary"]}"#, "invalid_type", "#/note"),
    ];
    for (body, reason, pointer) in cases {
        let answer = send_json::<Order>(body).await;
        answer.assert_problem(400, "malformed_request", Some(reason), Some(pointer));
        answer.assert_without("hunter2canary");
        answer.assert_without("8675309");
    }
}

#[tokio::test]
async fn broken_json_is_a_syntax_problem_without_a_pointer() {
    let bodies = [
        r#"{"login":"a","password":"hunter2canary"#,
        r#"{"login":"a","password":"hunter2canary"} hunter2canary"#,
        r#"{"login":"a","password":hunter2canary}"#,
        "",
    ];
    for body in bodies {
        let answer = send_json::<Login>(body).await;
        answer.assert_problem(400, "malformed_request", Some("syntax"), None);
        answer.assert_without("hunter2canary");
    }
}

/// serde_json's recursion limit (128) still holds through the wrappers,
/// and the deepest JSON it takes fits a 2 MiB thread stack (a tokio
/// worker's default) in a debug build.
#[test]
fn deep_nesting_is_bounded_and_fits_the_stack() {
    let nested = |depth: usize, leaf: &str| format!("{}{leaf}{}", "[".repeat(depth), "]".repeat(depth));
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let deep = guardrail_axum::json::from_slice::<Value>(nested(127, "1").as_bytes()).map(|_| ());
            let deeper = guardrail_axum::json::from_slice::<Value>(nested(10_000, "1").as_bytes()).unwrap_err();
            let wrong = guardrail_axum::json::from_slice::<Vec<Vec<Vec<u8>>>>(nested(3, "\"x\"").as_bytes());
            (deep, deeper, wrong.unwrap_err())
        })
        .unwrap();
    let (deep, deeper, wrong) = handle.join().unwrap();
    assert!(deep.is_ok());
    assert_eq!((deeper.status().as_u16(), deeper.reason()), (400, Some("syntax")));
    assert_eq!(wrong.pointer().map(ToString::to_string).as_deref(), Some("#/0/0/0"));
}

#[tokio::test]
async fn other_media_types_are_415_and_large_bodies_413() {
    let body = r#"{"login":"a","password":"b"}"#;
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let answer = send::<Login>(content_type, body).await;
        answer.assert_problem(415, "unsupported_media_type", None, None);
    }
    let big = format!(r#"{{"login":"a","password":"{}"}}"#, "hunter2canary".repeat(LIMIT_BYTES));
    let answer = send_json::<Login>(&big).await;
    answer.assert_problem(413, "payload_too_large", None, None);
    answer.assert_without("hunter2canary");
    assert_eq!(send::<Login>(Some("application/json"), body).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_refused_validated_value_is_422_with_the_kind_and_reason() {
    let answer = send_json::<SignUp>(r#"{"email":"hunter2canary","username":"ada"}"#).await;
    answer.assert_problem(422, "invalid_email", Some("missing_at"), Some("#/email"));
    answer.assert_without("hunter2canary");
    let answer = send_json::<SignUp>(r#"{"email":"ada@example.com","username":"hunter2 canary"}"#).await;
    let reason = Username::parse("hunter2 canary").unwrap_err().code();
    answer.assert_problem(422, "invalid_username", Some(reason), Some("#/username"));
    answer.assert_without("hunter2");
    let answer = send_json::<SignUp>(r#"{"email":"ada@example.com","username":7}"#).await;
    answer.assert_problem(400, "malformed_request", Some("invalid_type"), Some("#/username"));
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by serde only
struct Everything {
    email: Option<Email>,
    username: Option<Username>,
    url: Option<FetchUrl>,
    path: Option<RelativePath>,
    host: Option<HostName>,
    label: Option<Label>,
}

/// Every guardrail-validate type's refusal maps to its kind's code and to
/// exactly the reason validate gave (this crate's tables cover its codes).
#[test]
fn every_validate_kind_and_reason_maps_to_its_codes() {
    /// A validate parser's reason code for an input it refuses.
    type Refusal = fn(&str) -> Option<&'static str>;
    let cases: [(&str, &str, &str, Refusal); 12] = [
        ("email", "invalid_email", "no-at-sign", |s| Email::parse(s).err().map(|e| e.code())),
        ("email", "invalid_email", "a@[192.0.2.1]", |s| Email::parse(s).err().map(|e| e.code())),
        ("username", "invalid_username", "admin", |s| Username::parse(s).err().map(|e| e.code())),
        ("username", "invalid_username", "a\u{200b}b", |s| Username::parse(s).err().map(|e| e.code())),
        ("url", "invalid_url", "http://127.0.0.1/", |s| FetchUrl::parse(s).err().map(|e| e.code())),
        ("url", "invalid_url", "ftp://example.com/", |s| FetchUrl::parse(s).err().map(|e| e.code())),
        ("url", "invalid_url", "http://169.254.169.254/", |s| FetchUrl::parse(s).err().map(|e| e.code())),
        ("path", "invalid_path", "../etc/passwd", |s| RelativePath::parse(s).err().map(|e| e.code())),
        ("path", "invalid_path", "PROGRA~1/x", |s| RelativePath::parse(s).err().map(|e| e.code())),
        ("host", "invalid_host", "exa mple.com", |s| HostName::parse(s).err().map(|e| e.code())),
        ("label", "invalid_label", "a\u{202e}b", |s| Label::parse(s).err().map(|e| e.code())),
        ("label", "invalid_label", "", |s| Label::parse(s).err().map(|e| e.code())),
    ];
    for (field, code, input, parse) in cases {
        let reason = parse(input).unwrap_or_else(|| panic!("{field} case accepted"));
        let body = Value::Object([(field.to_owned(), Value::from(input))].into_iter().collect()).to_string();
        let problem = guardrail_axum::json::from_slice::<Everything>(body.as_bytes()).unwrap_err();
        assert_eq!((problem.status().as_u16(), problem.code()), (422, code), "{field}");
        assert_eq!(problem.reason(), Some(reason), "{field}: validate's reason {reason} is missing from the table");
        assert_eq!(problem.pointer().map(ToString::to_string).as_deref(), Some(format!("#/{field}").as_str()));
    }
}

#[tokio::test]
async fn json_answers_serialise_the_value() {
    #[derive(Serialize)]
    struct Out {
        id: u32,
    }
    let response = axum::response::IntoResponse::into_response(Json(Out { id: 7 }));
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(to_bytes(response.into_body(), 64).await.unwrap(), r#"{"id":7}"#);
}

/// The canary in every string and key, and the digits in every number.
const CANARY: &str = "zq7canary";
const DIGITS: &str = "8675309";

/// Numbers as JSON text (a `Value` would reformat them): stand-ins in the
/// generated value, replaced in its text.
const NUMBERS: &[(&str, &str)] = &[
    ("~int~", "8675309"),
    ("~neg~", "-8675309.25e-3"),
    ("~big~", "86753098675309867530986753098675309"),
    ("~frac~", "0.8675309"),
];

/// The text of a generated value, numbers put in.
fn render(value: &Value) -> String {
    let mut text = value.to_string();
    for (marker, number) in NUMBERS {
        text = text.replace(&format!("\"{marker}\""), number);
    }
    text
}

/// Random JSON whose every string, key and number carries a canary; keys
/// are sometimes a target's field or variant name, so values reach inside.
fn canary_json() -> impl Strategy<Value = Value> {
    const NAMES: &[&str] = &["items", "tags", "note", "payment", "name", "qty", "Cash", "Card", "number", "Voucher"];
    let key = prop_oneof![
        prop::sample::select(NAMES).prop_map(str::to_owned),
        "[a-z]{0,3}".prop_map(|s| format!("{s}{CANARY}")),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        "[ -}]{0,4}".prop_map(|s| Value::String(format!("{s}{CANARY}{s}"))),
        prop::sample::select(NUMBERS).prop_map(|(marker, _)| Value::String(marker.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..4).prop_map(|e| Value::Object(e.into_iter().collect())),
        ]
    })
}

/// Sends `body` to a route of type `T`; the answer must hold no canary.
fn assert_no_canary<T: DeserializeOwned + Send + 'static>(rt: &tokio::runtime::Runtime, body: &str) {
    let answer = rt.block_on(send_json::<T>(body));
    assert!(matches!(answer.status.as_u16(), 204 | 400 | 422), "{}", answer.status);
    answer.assert_without(CANARY);
    answer.assert_without(DIGITS);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_canary_reaches_the_problem(
        value in canary_json(),
        wrap_in_items in any::<bool>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let body = render(&if wrap_in_items { serde_json::json!({ "items": [value] }) } else { value });
        assert_no_canary::<Order>(&rt, &body);
        assert_no_canary::<BTreeMap<String, Item>>(&rt, &body);
        assert_no_canary::<Payment>(&rt, &body);
        assert_no_canary::<Option<Item>>(&rt, &body);
        assert_no_canary::<Vec<Item>>(&rt, &body);
        assert_no_canary::<SignUp>(&rt, &body);
        // Broken JSON too: the text is ASCII, so any cut is a char boundary.
        let broken = &body[..cut.index(body.len().max(1))];
        assert_no_canary::<Order>(&rt, broken);
        assert_no_canary::<Vec<Item>>(&rt, broken);
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind")]
#[allow(dead_code)] // read by serde only
enum Internally {
    Card { number: u64, email: Email },
    Cash,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "t", content = "c")]
#[allow(dead_code)] // read by serde only
enum Adjacently {
    Card { number: u64, email: Email },
    Voucher(u64),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
#[allow(dead_code)] // read by serde only
enum Untagged {
    Card { number: u64 },
    Code(u64),
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by serde only
struct Card {
    number: u64,
    email: Email,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by serde only
struct Flattened {
    name: String,
    #[serde(flatten)]
    card: Card,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by serde only
struct Buffered {
    i: Option<Internally>,
    a: Option<Adjacently>,
    u: Option<Untagged>,
    f: Option<Flattened>,
    m: Option<HashMap<String, Flattened>>,
}

/// Where serde buffers its input (internally tagged, untagged, and
/// adjacently tagged enums, `flatten`), the inner path is lost: the
/// pointer is the nearest object the type can name (the buffering field),
/// or ends in `*` where the buffered content's keys are read back. These
/// pin the current pointers; no submitted value is in any answer.
#[tokio::test]
async fn buffered_shapes_point_at_the_nearest_named_object_and_leak_nothing() {
    let cases = [
        (r#"{"i":{"kind":"Card","number":"hunter2canary","email":"a@b.example"}}"#, 400, "invalid_type", "#/i"),
        (r#"{"i":{"kind":"Card","number":8675309,"email":"hunter2canary@-x"}}"#, 422, "domain", "#/i"),
        (r#"{"i":{"kind":"hunter2canary"}}"#, 400, "unknown_variant", "#/i/*"),
        (r#"{"a":{"t":"Card","c":{"number":"hunter2canary","email":"a@b.example"}}}"#, 400, "invalid_type", "#/a/c/*"),
        (r#"{"a":{"c":{"number":"hunter2canary","email":"a@b.example"},"t":"Card"}}"#, 400, "invalid_type", "#/a"),
        (r#"{"a":{"c":{"number":8675309,"email":"hunter2canary@-x"},"t":"Card"}}"#, 422, "domain", "#/a"),
        (r#"{"u":{"number":"hunter2canary"}}"#, 400, "invalid_value", "#/u"),
        (r#"{"f":{"name":"n","number":"hunter2canary","email":"a@b.example"}}"#, 400, "invalid_type", "#/f"),
        (r#"{"f":{"name":"n","number":8675309,"email":"hunter2canary@-x"}}"#, 422, "domain", "#/f"),
        (
            r#"{"m":{"hunter2canary":{"name":"n","number":"hunter2canary","email":"a@b.example"}}}"#,
            400,
            "invalid_type",
            "#/m/*",
        ),
    ];
    for (body, status, reason, pointer) in cases {
        let answer = send_json::<Buffered>(body).await;
        let code = if status == 422 { "invalid_email" } else { "malformed_request" };
        answer.assert_problem(status, code, Some(reason), Some(pointer));
        answer.assert_without("hunter2canary");
        answer.assert_without("8675309");
    }
    // At the top level: the root, or the content's keys as `*`.
    let answer = send_json::<Flattened>(r#"{"name":"n","number":"hunter2canary","email":"a@b.example"}"#).await;
    answer.assert_problem(400, "malformed_request", Some("invalid_type"), Some("#"));
    answer.assert_without("hunter2canary");
    let answer = send_json::<Adjacently>(r#"{"t":"Card","c":{"number":8675309,"email":"hunter2canary@-x"}}"#).await;
    answer.assert_problem(422, "invalid_email", Some("domain"), Some("#/c/*"));
    answer.assert_without("hunter2canary");
    answer.assert_without("8675309");
}
