//! The supervisor's overview `/staff/overview` (BO-3): counts and the last 30 days as a
//! server-rendered chart.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kabinet_app::backoffice;
use kabinet_domain::access::Action;

use super::{Nav, staff_for, status_label};
use crate::pages::Layout;
use crate::pages::common::respond;
use crate::session::Visit;
use crate::{AppState, WebError};

/// A bar of the chart.
pub struct Bar {
    /// `x` of the received bar.
    pub x: i64,
    /// Heights and tops.
    pub received_h: i64,
    /// Top of the received bar.
    pub received_y: i64,
    /// Height of the completed bar.
    pub completed_h: i64,
    /// Top of the completed bar.
    pub completed_y: i64,
    /// Day label (DD.MM), shown every fifth day.
    pub label: String,
    /// The day in full, for the table.
    pub day: String,
    /// Received.
    pub received: i64,
    /// Completed.
    pub completed: i64,
}

/// A count line.
pub struct CountRow {
    /// What.
    pub key: String,
    /// How many.
    pub count: i64,
    /// Of them overdue.
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "staff_overview.html")]
struct OverviewPage<'a> {
    l: Layout<'a>,
    nav: Nav,
    by_status: Vec<CountRow>,
    by_service: Vec<CountRow>,
    by_operator: Vec<CountRow>,
    bars: Vec<Bar>,
    max: i64,
    chart_desc: String,
}

/// Chart geometry: 30 days × 20 px, 160 px of bars.
const CHART_H: i64 = 160;

/// `GET /staff/overview`: counts and the last 30 days as an SVG chart with its table.
pub async fn overview(State(state): State<AppState>, visit: Visit) -> Response {
    let (who, nav) = match staff_for(&state, &visit, Action::ViewOverview) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let o = match backoffice::overview(&state.app, who).await {
        Ok(o) => o,
        Err(e) => return WebError::from(e).page_response(),
    };
    let max = o
        .per_day
        .iter()
        .map(|(_, r, c)| (*r).max(*c))
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |n: i64| n * CHART_H / max;
    let bars: Vec<Bar> = o
        .per_day
        .iter()
        .enumerate()
        .map(|(i, (d, r, c))| {
            let i = i64::try_from(i).unwrap_or(0);
            Bar {
                x: 40 + i * 20,
                received_h: scale(*r),
                received_y: 10 + CHART_H - scale(*r),
                completed_h: scale(*c),
                completed_y: 10 + CHART_H - scale(*c),
                label: if i % 5 == 0 {
                    format!("{:02}.{:02}", d.day(), u8::from(d.month()))
                } else {
                    String::new()
                },
                day: kabinet_app::format::day(*d),
                received: *r,
                completed: *c,
            }
        })
        .collect();
    let received: i64 = bars.iter().map(|b| b.received).sum();
    let completed: i64 = bars.iter().map(|b| b.completed).sum();
    let chart_desc = state.i18n.t_with(
        "staff-chart-desc",
        &[
            ("received", &received.to_string()),
            ("completed", &completed.to_string()),
        ],
    );
    let nobody = state.i18n.t("staff-assignee-nobody");
    let page = OverviewPage {
        l: Layout::for_visit(&state, &visit),
        nav,
        by_status: o
            .by_status
            .into_iter()
            .map(|(s, n)| CountRow {
                key: status_label(&state, &s),
                count: n,
                overdue: 0,
            })
            .collect(),
        by_service: o
            .by_service
            .into_iter()
            .map(|(k, n, od)| CountRow {
                key: k,
                count: n,
                overdue: od,
            })
            .collect(),
        by_operator: o
            .by_operator
            .into_iter()
            .map(|(k, n, od)| CountRow {
                key: k.unwrap_or_else(|| nobody.clone()),
                count: n,
                overdue: od,
            })
            .collect(),
        bars,
        max,
        chart_desc,
    };
    respond(StatusCode::OK, &page, None)
}
