//! What the commands print.

use whosent::store::Account;

use crate::AccountReport;

/// The callback URL to paste into the platform's settings.
pub fn callback_url(webhook_base: &str, id: &str) -> String {
    format!("{}/wechat/{id}", webhook_base.trim_end_matches('/'))
}

/// `YYYY-MM-DD HH:MM:SS UTC` of Unix seconds.
pub fn utc(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Names as the store writes them (`user_list`, `credentials_rejected`).
pub fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// `accounts list`: one line per account.
pub fn format_list(accounts: &[Account]) -> String {
    let width = accounts.iter().map(|a| a.id.len()).max().unwrap_or(2).max(2);
    let mut out = format!("{:width$}  {:9}  {:10}  STATE\n", "ID", "STRATEGY", "MODE");
    for account in accounts {
        out.push_str(&format!(
            "{:width$}  {:9}  {:10}  {}\n",
            account.id,
            name_of(&account.strategy),
            name_of(&account.mode),
            name_of(&account.state)
        ));
    }
    out
}

/// `accounts show`.
pub fn format_report(report: &AccountReport) -> String {
    let a = &report.account;
    let mut out = format!(
        "account      {}\nappid        {}\ngh id        {}\nstrategy     {}\nbody mode    {}\nstate        {}\n",
        a.id,
        a.appid,
        a.gh_id,
        name_of(&a.strategy),
        name_of(&a.mode),
        name_of(&a.state)
    );
    if let Some(reason) = &a.state_reason {
        out.push_str(&format!("reason       {reason}\n"));
    }
    if let Some(at) = a.state_changed_at {
        out.push_str(&format!("state since  {}\n", utc(at)));
    }
    let counts: Vec<String> = report.requests.iter().map(|(state, n)| format!("{n} {state}")).collect();
    out.push_str(&format!("requests     {}\n", counts.join(", ")));
    let login = report.last_login.map_or_else(|| "never (no stored session)".to_owned(), utc);
    out.push_str(&format!("last login   {login}\n"));
    out.push_str(&format!(
        "secrets      {} (push), {} (console), {} (marker)\n",
        a.push_secret, a.console_secret, a.marker_secret
    ));
    out
}

#[cfg(test)]
mod tests;
