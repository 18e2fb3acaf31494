//! Pagination and counting of `get-*` operations: which counting twin an operation has, how
//! the next page is asked for, and when the end is reached.

use super::error::{Error, ErrorCode, Result};
use super::json::{quote, Json, EXACT_INTEGER};
use super::operations::{lookup, JsonKind, Operation};

/// How pages follow each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `first` + `where: { AND: [<filter>, { id_gt: <last id> }] }` (keyset paging in the
    /// default order, by id): every item that matches throughout the iteration is seen once,
    /// even when the last item seen leaves the filter or is deleted (an `after` cursor naming
    /// such an item makes Prisma answer nothing, ending the iteration early).
    Cursor,
    /// `first` + `skip`: used when the caller orders by another field, where an id does not
    /// mark a position in that order. Each page is checked to start with the item the previous
    /// one looked ahead to, so a listing that shifted under the pages fails instead of silently
    /// skipping or repeating items.
    Skip,
}

/// The most a page may hold; CloudTower answers large pages slowly and the client holds one
/// page at a time.
pub const MAX_PAGE_SIZE: u32 = 1000;
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// A listing's body as the caller gave it: parsed (for the checks), and as the JSON text
/// `JSON.stringify` made of its `where` and of the rest (sent on as they are, so the caller's
/// values travel exactly as written).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListingBody {
    pub parsed: Json,
    /// The body without `where`: a JSON object.
    pub rest_text: Option<String>,
    pub where_text: Option<String>,
}

/// A paginated listing: the operation, its counting twin and the caller's filter and order.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing {
    pub operation: Operation,
    pub connection: Operation,
    /// The caller's body without `where` and the braces around it (`"orderBy":"name_ASC"`).
    rest: String,
    where_text: Option<String>,
    pub strategy: Strategy,
    pub page_size: u32,
}

/// Where a paginated listing stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub loaded: u64,
    /// Ids of the last page's items, and of the item it looked ahead to.
    pub page_ids: Vec<String>,
    pub last_id: Option<String>,
    pub lookahead_id: Option<String>,
    /// The `-connection` count, for progress reports.
    pub total: Option<u64>,
    pub done: bool,
}

impl Listing {
    /// `body` may hold `where` and `orderBy`; paging fields belong to the paginator.
    pub fn new(operation: &str, body: ListingBody, page_size: Option<f64>) -> Result<Self> {
        let operation = lookup(operation)?;
        let connection = counting_twin(&operation)?;
        let rest = body.rest_text.as_deref().unwrap_or("{}");
        let members = rest
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .filter(|_| matches!(body.parsed, Json::Object(_) | Json::Null));
        let Some(members) = members else {
            return Err(Error::invalid_argument(
                "body",
                "must be an object such as { where, orderBy }",
            ));
        };
        let has = |key: &str| body.parsed.has(key);
        if let Some(field) = ["first", "last", "skip", "after", "before"]
            .iter()
            .find(|f| has(f))
        {
            return Err(Error::invalid_argument(
                &format!("body.{field}"),
                "paginate() sets the paging fields itself; pass only where and orderBy (use call() for one page)",
            ));
        }
        let page_size = match page_size {
            None => DEFAULT_PAGE_SIZE,
            Some(size)
                if size.fract() == 0.0 && (1.0..=f64::from(MAX_PAGE_SIZE)).contains(&size) =>
            {
                size as u32
            }
            Some(_) => {
                return Err(Error::invalid_argument(
                    "options.pageSize",
                    format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                ))
            }
        };
        let ordered = !body.parsed.get("orderBy").is_null();
        Ok(Self {
            operation,
            connection,
            strategy: if ordered {
                Strategy::Skip
            } else {
                Strategy::Cursor
            },
            rest: members.to_owned(),
            where_text: body.where_text,
            page_size,
        })
    }

    /// The JSON body of the next page. It asks for one item more than a page: whether that
    /// item comes back tells if another page follows, so the end is found without an empty
    /// last request.
    pub fn page_body(&self, progress: &Progress) -> String {
        let mut fields: Vec<String> = Vec::new();
        if !self.rest.is_empty() {
            fields.push(self.rest.clone());
        }
        let cursor = match (self.strategy, &progress.last_id) {
            (Strategy::Cursor, Some(id)) => {
                let mut cursor = String::from("{\"id_gt\":");
                quote(id, &mut cursor);
                cursor.push('}');
                Some(cursor)
            }
            _ => None,
        };
        match (&self.where_text, cursor) {
            (Some(filter), Some(cursor)) => {
                fields.push(format!("\"where\":{{\"AND\":[{filter},{cursor}]}}"))
            }
            (Some(filter), None) => fields.push(format!("\"where\":{filter}")),
            (None, Some(cursor)) => fields.push(format!("\"where\":{cursor}")),
            (None, None) => {}
        }
        fields.push(format!("\"first\":{}", self.page_size + 1));
        if self.strategy == Strategy::Skip && progress.loaded > 0 {
            fields.push(format!("\"skip\":{}", progress.loaded));
        }
        format!("{{{}}}", fields.join(","))
    }

    /// The counting body: the same filter, no order, no paging.
    pub fn count_body(&self) -> String {
        count_body(self.where_text.as_deref())
    }

    /// How many of `received` items form the page (the rest is the look-ahead item).
    pub fn page_len(&self, received: usize) -> usize {
        received.min(self.page_size as usize)
    }

    /// Records an answer of `received` items with the ids of its first item, of the page's
    /// last item and of the look-ahead item (when they have ids).
    pub fn advance(&self, progress: &mut Progress, received: usize, ids: PageIds) -> Result<()> {
        let PageIds {
            page: page_ids,
            lookahead: lookahead_id,
        } = ids;
        let first_id = page_ids.first().cloned();
        let last_id = page_ids.last().cloned();
        let page_size = self.page_size as usize;
        if received > page_size + 1 {
            return Err(Error::new(
                ErrorCode::Decode,
                format!(
                    "{} returned {received} items when {} were asked for",
                    self.operation.name,
                    page_size + 1
                ),
            ));
        }
        if self.strategy == Strategy::Cursor && page_ids.len() < self.page_len(received) {
            return Err(Error::new(
                ErrorCode::Decode,
                format!("{} returned an item without an id", self.operation.name),
            ));
        }
        let name = self.operation.name;
        let repeated = first_id
            .as_ref()
            .is_some_and(|first| progress.page_ids.contains(first));
        if repeated {
            // A server that ignores the cursor would hand out the same page forever.
            return Err(Error::new(
                ErrorCode::Decode,
                format!("{name}: the server answered the same items again instead of the next page (it did not apply the paging cursor), so paging stopped"),
            ));
        }
        if self.strategy == Strategy::Skip
            && progress.lookahead_id.is_some()
            && first_id != progress.lookahead_id
        {
            return Err(Error::new(
                ErrorCode::Decode,
                format!("{name}: the listing changed while it was paged by offset (orderBy), so items may have been skipped or repeated; retry, or page without orderBy for a stable cursor"),
            ));
        }
        progress.loaded += self.page_len(received) as u64;
        progress.page_ids = page_ids;
        progress.last_id = last_id;
        progress.lookahead_id = lookahead_id;
        progress.done = received <= page_size;
        Ok(())
    }
}

/// Ids of an answer's page items (in order; items without an id are left out) and of its
/// look-ahead item.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageIds {
    pub page: Vec<String>,
    pub lookahead: Option<String>,
}

/// `{ "where": <filter> }`, or `{}` without a filter.
pub fn count_body(where_text: Option<&str>) -> String {
    match where_text {
        Some(filter) => format!("{{\"where\":{filter}}}"),
        None => "{}".to_owned(),
    }
}

/// `get-vms` → `get-vms-connection`, for operations that list items and have a counting twin.
pub fn counting_twin(operation: &Operation) -> Result<Operation> {
    let not_countable = || {
        Error::invalid_argument(
            "operation",
            format!(
                "{} is not a listing with a -connection twin, so it cannot be paginated or counted",
                operation.name
            ),
        )
    };
    if !operation.is_read()
        || operation.response != JsonKind::Array
        || operation.name.ends_with("-connection")
    {
        return Err(not_countable());
    }
    lookup(&format!("{}-connection", operation.name)).map_err(|_| not_countable())
}

/// `{ "aggregate": { "count": n } }` → n: a whole number a JS number holds exactly.
pub fn parse_count(operation: &str, body: &Json) -> Result<u64> {
    let count = body.get("aggregate").get("count");
    let problem = match count.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n < EXACT_INTEGER => return Ok(n as u64),
        Some(_) => "is not a whole number from 0 to 2^53",
        None if count.is_null() => "is missing",
        None => "is not a number",
    };
    Err(Error::new(
        ErrorCode::Decode,
        format!("{operation}: the answer's aggregate.count {problem}"),
    )
    .with_operation(operation))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(listing: &Listing, progress: &Progress) -> serde_json::Value {
        serde_json::from_str(&listing.page_body(progress)).unwrap()
    }

    fn j(text: &str) -> Json {
        crate::core::json::parse(text).unwrap_or_default()
    }

    /// A body as the wasm layer hands it over (`JSON.stringify` of its `where` and the rest).
    fn listing_body(text: &str) -> ListingBody {
        let mut value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let filter = value
            .as_object_mut()
            .and_then(|object| object.remove("where"));
        ListingBody {
            parsed: j(text),
            rest_text: Some(value.to_string()),
            where_text: filter.map(|filter| filter.to_string()),
        }
    }

    fn ids(first: &str, last: &str, lookahead: Option<&str>) -> PageIds {
        PageIds {
            page: vec![first.into(), "middle".into(), last.into()],
            lookahead: lookahead.map(Into::into),
        }
    }

    #[test]
    fn cursor_pages_continue_after_the_last_id_whatever_became_of_it() {
        let listing = Listing::new(
            "get-vms",
            listing_body(r#"{"where":{"name_contains":"web"}}"#),
            Some(2.0),
        )
        .unwrap();
        assert_eq!(listing.strategy, Strategy::Cursor);
        assert_eq!(listing.connection.name, "get-vms-connection");
        let mut progress = Progress::default();
        assert_eq!(
            body(&listing, &progress),
            serde_json::json!({"where": {"name_contains": "web"}, "first": 3})
        );
        assert_eq!(listing.page_len(3), 2);
        listing
            .advance(&mut progress, 3, ids("c1", "c2", Some("c3")))
            .unwrap();
        assert!(
            !progress.done,
            "the look-ahead item came back: another page follows"
        );
        assert_eq!(
            body(&listing, &progress),
            serde_json::json!({"where": {"AND": [{"name_contains": "web"}, {"id_gt": "c2"}]}, "first": 3})
        );
        // The look-ahead item c3 left the filter meanwhile: no matter, the page starts after c2.
        listing
            .advance(&mut progress, 2, ids("c4", "c5", None))
            .unwrap();
        assert!(
            progress.done,
            "no look-ahead item: this was the last page, and no empty request follows"
        );
        assert_eq!(progress.loaded, 4);
        assert_eq!(listing.count_body(), r#"{"where":{"name_contains":"web"}}"#);
        let unfiltered = Listing::new("get-vms", ListingBody::default(), Some(2.0)).unwrap();
        let mut progress = Progress::default();
        unfiltered
            .advance(&mut progress, 3, ids("a", "b", Some("c")))
            .unwrap();
        assert_eq!(
            body(&unfiltered, &progress),
            serde_json::json!({"where": {"id_gt": "b"}, "first": 3})
        );
    }

    #[test]
    fn a_server_that_ignores_the_cursor_is_an_error_not_an_endless_loop() {
        let listing = Listing::new("get-vms", ListingBody::default(), Some(2.0)).unwrap();
        let mut progress = Progress::default();
        listing
            .advance(&mut progress, 3, ids("a", "b", Some("c")))
            .unwrap();
        let again = listing
            .advance(&mut progress, 3, ids("a", "b", Some("c")))
            .unwrap_err();
        assert_eq!(again.code, ErrorCode::Decode);
        assert!(
            again.message.contains("same items again"),
            "{}",
            again.message
        );
    }

    #[test]
    fn ordered_listings_page_with_skip_and_notice_a_shift() {
        let listing = Listing::new(
            "get-vms",
            listing_body(r#"{"orderBy":"name_DESC","where":{"status":"RUNNING"}}"#),
            Some(10.0),
        )
        .unwrap();
        assert_eq!(listing.strategy, Strategy::Skip);
        let mut progress = Progress::default();
        listing
            .advance(&mut progress, 11, ids("z", "q", Some("p")))
            .unwrap();
        assert_eq!(
            body(&listing, &progress),
            serde_json::json!({"orderBy": "name_DESC", "where": {"status": "RUNNING"}, "first": 11, "skip": 10})
        );
        let mut shifted = progress.clone();
        let error = listing
            .advance(&mut shifted, 5, ids("o", "k", None))
            .unwrap_err();
        assert!(
            error.message.contains("listing changed"),
            "{}",
            error.message
        );
        listing
            .advance(&mut progress, 5, ids("p", "k", None))
            .unwrap();
        assert!(progress.done);
        assert_eq!(listing.count_body(), r#"{"where":{"status":"RUNNING"}}"#);
    }

    #[test]
    fn an_exact_multiple_of_the_page_size_ends_on_its_last_full_page() {
        let listing = Listing::new("get-vms", ListingBody::default(), Some(5.0)).unwrap();
        let page = |names: &str, lookahead: Option<&str>| PageIds {
            page: names.split(' ').map(Into::into).collect(),
            lookahead: lookahead.map(Into::into),
        };
        let mut progress = Progress::default();
        listing
            .advance(&mut progress, 6, page("a b c d e", Some("f")))
            .unwrap();
        assert!(!progress.done);
        listing
            .advance(&mut progress, 5, page("f g h i j", None))
            .unwrap();
        assert!(progress.done);
        assert_eq!(progress.loaded, 10);
        let mut empty = Progress::default();
        listing.advance(&mut empty, 0, PageIds::default()).unwrap();
        assert!(empty.done);
    }

    #[test]
    fn refuses_what_cannot_be_paginated() {
        for (operation, body, size) in [
            ("start-vm", None, None),
            ("get-vms-connection", None, None),
            ("get-version", None, None),
            ("get-vms", Some(r#"{"first":5}"#), None),
            ("get-vms", Some(r#"{"after":"x"}"#), None),
            ("get-vms", Some("[1]"), None),
            ("get-vms", None, Some(0.0)),
            ("get-vms", None, Some(1001.0)),
            ("get-vms", None, Some(2.5)),
        ] {
            let body = body.map(listing_body).unwrap_or_default();
            let error = Listing::new(operation, body.clone(), size).unwrap_err();
            assert_eq!(
                error.code,
                ErrorCode::InvalidArgument,
                "{operation} {body:?} {size:?}"
            );
        }
        let listing = Listing::new("get-tasks", ListingBody::default(), Some(1.0)).unwrap();
        assert_eq!(
            listing
                .advance(&mut Progress::default(), 3, PageIds::default())
                .unwrap_err()
                .code,
            ErrorCode::Decode
        );
        assert_eq!(
            listing
                .advance(&mut Progress::default(), 1, PageIds::default())
                .unwrap_err()
                .code,
            ErrorCode::Decode
        );
    }

    #[test]
    fn counts_are_read_from_the_aggregate() {
        assert_eq!(
            parse_count("get-vms-connection", &j(r#"{"aggregate":{"count":42}}"#)).unwrap(),
            42
        );
        for (bad, problem) in [
            ("{}", "is missing"),
            ("[]", "is missing"),
            (
                r#"{"aggregate":{"count":-1}}"#,
                "is not a whole number from 0 to 2^53",
            ),
            (
                r#"{"aggregate":{"count":1.5}}"#,
                "is not a whole number from 0 to 2^53",
            ),
            (
                r#"{"aggregate":{"count":1e300}}"#,
                "is not a whole number from 0 to 2^53",
            ),
            (
                r#"{"aggregate":{"count":18446744083709551616}}"#,
                "is not a whole number from 0 to 2^53",
            ),
            (r#"{"aggregate":{"count":"3"}}"#, "is not a number"),
        ] {
            let error = parse_count("get-vms-connection", &j(bad)).unwrap_err();
            assert_eq!(error.code, ErrorCode::Decode, "{bad}");
            assert_eq!(
                error.message,
                format!("get-vms-connection: the answer's aggregate.count {problem}")
            );
        }
    }
}
