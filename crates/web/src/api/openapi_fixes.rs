//! Finishing touches on the generated OpenAPI document, so that it says what the API
//! answers: the problem responses every operation may give, and one operation id per
//! operation.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::input::is_single_line;

/// No control character (what [`crate::input`] refuses in a single-line value).
const SINGLE_LINE_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// No control character but line breaks and tabs (multi-line values).
const MULTI_LINE_PATTERN: &str =
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// Responses any API operation may give, with the condition that gives them.
const COMMON: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "The body or the query could not be read (not JSON of the right shape, a parameter of the wrong type)",
    ),
    (
        "401",
        "Unauthorized",
        "Not signed in, or the session has ended",
    ),
    (
        "403",
        "Forbidden",
        "Not allowed: the role does not permit it, the account is refused, or the X-CSRF-Token of a state change is missing or wrong",
    ),
    (
        "404",
        "NotFound",
        "No such object for this caller, or the path holds a control character",
    ),
    (
        "422",
        "Validation",
        "Field errors, each naming its field in Russian (also for a NUL or another refused control character)",
    ),
];

/// Operations that are rate limited per login, per account or per address (a password
/// typed in a session counts with the sign-in failures; codes have their limits).
const RATE_LIMITED: &[&str] = &[
    "/api/v1/registrations",
    "/api/v1/session",
    "/api/v1/password-recovery",
    "/api/v1/unlock",
    "/api/v1/me/password",
    "/api/v1/me/contacts",
];

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": { "$ref": "#/components/schemas/Problem" }
            }
        }
    })
}

/// Declares the common problem responses once under `components/responses` and refers
/// to them from every operation under `/api/v1` that does not describe them itself;
/// `413` on operations with a body, `415` on those with a JSON body, `429` on the
/// rate-limited ones, `503` (the database unreachable) on all.
pub fn with_common_responses(doc: &mut Value) {
    let mut shared = Map::new();
    for (_, name, description) in COMMON {
        shared.insert((*name).to_owned(), problem_response(description));
    }
    shared.insert(
        "TooLarge".to_owned(),
        problem_response("The body is larger than this operation accepts"),
    );
    shared.insert(
        "TooMany".to_owned(),
        problem_response("Too many attempts; see Retry-After"),
    );
    shared.insert(
        "NotJson".to_owned(),
        problem_response("The body is not JSON: send Content-Type: application/json"),
    );
    shared.insert(
        "Unavailable".to_owned(),
        problem_response("The database cannot be reached for now; see Retry-After"),
    );
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.insert("responses".to_owned(), Value::Object(shared));
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
            continue;
        }
        let limited = RATE_LIMITED.iter().any(|p| path.starts_with(p));
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            let Some(op) = operation.as_object_mut() else {
                continue;
            };
            let has_body = op.contains_key("requestBody");
            let json_body = op
                .get("requestBody")
                .and_then(|b| b.get("content"))
                .and_then(Value::as_object)
                .is_some_and(|c| c.contains_key("application/json"));
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut add = |status: &str, name: &str| {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| json!({ "$ref": format!("#/components/responses/{name}") }));
            };
            for (status, name, _) in COMMON {
                add(status, name);
            }
            if has_body {
                add("413", "TooLarge");
            }
            if json_body {
                add("415", "NotJson");
            }
            add("503", "Unavailable");
            if limited {
                add("429", "TooMany");
            }
        }
    }
}

/// utoipa names an operation after its function, and several modules have a `list` or
/// a `get`: a repeated id becomes `<tag>_<id>` (and `<method>` is added if that is not
/// enough), so each operation has its own.
pub fn unique_operation_ids(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in paths.values() {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                *seen.entry(id.to_owned()).or_default() += 1;
            }
        }
    }
    let mut taken: HashMap<String, ()> = HashMap::new();
    for item in paths.values_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in operations.iter_mut() {
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            let Some(id) = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            if seen.get(&id).copied().unwrap_or(0) < 2 {
                continue;
            }
            let tag = op
                .get("tags")
                .and_then(|t| t.get(0))
                .and_then(Value::as_str)
                .unwrap_or("api")
                .to_owned();
            let mut new_id = format!("{tag}_{id}");
            if taken.contains_key(&new_id) || seen.contains_key(&new_id) {
                new_id = format!("{tag}_{id}_{method}");
            }
            taken.insert(new_id.clone(), ());
            op.insert("operationId".to_owned(), Value::String(new_id));
        }
    }
}

fn is_string(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// The schema names a request body refers to, with those they refer to in turn.
fn request_schemas(doc: &Value) -> Vec<String> {
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref"
                        && let Some(name) = v
                            .as_str()
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.push(name.to_owned());
                    } else {
                        refs(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            if let Some(body) = op.get("requestBody") {
                refs(body, &mut found);
            }
        }
    }
    let mut i = 0;
    while i < found.len() {
        let mut more = Vec::new();
        refs(&doc["components"]["schemas"][&found[i]], &mut more);
        for name in more {
            if !found.contains(&name) {
                found.push(name);
            }
        }
        i += 1;
    }
    found
}

/// Says in the schemas of request bodies and parameters what [`crate::input`] and the
/// use cases refuse: no control characters (line breaks and tabs only in multi-line
/// fields), and no empty string where a string is required.
pub fn with_input_rules(doc: &mut Value) {
    fn strings(schema: &mut Value, name: &str, required: bool) {
        if is_string(schema) {
            if let Some(map) = schema.as_object_mut() {
                let pattern = if is_single_line(name) {
                    SINGLE_LINE_PATTERN
                } else {
                    MULTI_LINE_PATTERN
                };
                map.entry("pattern").or_insert_with(|| json!(pattern));
                if required && map.get("format").is_none() {
                    map.entry("minLength").or_insert_with(|| json!(1));
                }
            }
            return;
        }
        let required_names: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for (k, v) in props.iter_mut() {
                strings(v, k, required_names.contains(k));
            }
        }
        if let Some(items) = schema.get_mut("items") {
            strings(items, name, false);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(list) = schema.get_mut(key).and_then(Value::as_array_mut) {
                list.iter_mut().for_each(|v| strings(v, name, false));
            }
        }
    }
    for name in request_schemas(doc) {
        if let Some(schema) = doc
            .get_mut("components")
            .and_then(|c| c.get_mut("schemas"))
            .and_then(|s| s.get_mut(&name))
        {
            strings(schema, "", false);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                for param in params {
                    if let Some(schema) = param.get_mut("schema")
                        && is_string(schema)
                        && let Some(map) = schema.as_object_mut()
                    {
                        map.entry("pattern")
                            .or_insert_with(|| json!(SINGLE_LINE_PATTERN));
                    }
                }
            }
            if let Some(body) = op
                .get_mut("requestBody")
                .and_then(|b| b.get_mut("content"))
                .and_then(Value::as_object_mut)
            {
                for media in body.values_mut() {
                    if let Some(schema) = media.get_mut("schema")
                        && schema.get("$ref").is_none()
                    {
                        strings(schema, "", false);
                    }
                }
            }
        }
    }
}
