//! Web bots in access logs: sign-up and login forms posted by a script, and one address
//! speaking as many browsers. A person needs more than a couple of seconds to fill in a
//! form; a bot posts it the moment the page has loaded, again and again, often under
//! several browsers' names.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::events::EventTable;

use super::web::after_scheme;
use super::{push_evidence, quote, Finding, FindingKind, WebRequest};

/// A form posted within this many seconds of loading it was filled in by a script.
const SCRIPTED_SECS: i64 = 2;

/// Paths (lower case, without the query) of account sign-up forms.
const SIGNUP: &[&str] = &[
    "join_form",
    "register",
    "signup",
    "sign-up",
    "sign_up",
    "wp-signup.php",
    "createaccount",
    "create_account",
    "create-account",
];

/// Paths of login forms.
const LOGIN: &[&str] = &[
    "login",
    "logon",
    "signin",
    "sign-in",
    "sign_in",
    "j_security_check",
];

/// Which form a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Form {
    Signup,
    Login,
}

/// The path of a target, lower case, without scheme, host or query.
fn path_of(target: &str) -> String {
    let rest = after_scheme(target).map_or(target, |r| r.find('/').map_or("/", |i| &r[i..]));
    rest.split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The form a path submits, if any; a sign-up under a login folder is a sign-up.
fn form_of(path: &str) -> Option<Form> {
    if SIGNUP.iter().any(|s| path.contains(s)) {
        Some(Form::Signup)
    } else if LOGIN.iter().any(|s| path.contains(s)) {
        Some(Form::Login)
    } else {
        None
    }
}

/// One form post.
struct Post {
    row: u32,
    line: String,
    status: Option<u16>,
    /// Seconds since the source last loaded the same path, when it did.
    after_load: Option<i64>,
}

/// An address is rotating its user agent when it sends at least this many requests under
/// at least [`ROTATION_AGENTS`] browser user agents.
const ROTATION_REQUESTS: usize = 4;
/// See [`ROTATION_REQUESTS`].
const ROTATION_AGENTS: usize = 3;

/// Bot findings over the rows of one source.
pub fn findings(t: &EventTable, rows: &[u32]) -> Vec<Finding> {
    let mut loaded: HashMap<String, i64> = HashMap::new();
    let mut posts: BTreeMap<Form, Vec<Post>> = BTreeMap::new();
    let mut agents: BTreeMap<Form, BTreeSet<&str>> = BTreeMap::new();
    let mut browsers: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    // Only web requests matter: they alone are put in time order (on a flow log, none).
    let mut order: Vec<(i64, u32, WebRequest<'_>)> = rows
        .iter()
        .filter_map(|&r| {
            let req = WebRequest::of(t, r as usize)?;
            Some((t.time_us(r as usize).unwrap_or(i64::MIN), r, req))
        })
        .collect();
    order.sort_unstable_by_key(|&(time, r, _)| (time, r));
    for (_, r, req) in order {
        let row = r as usize;
        let path = path_of(req.target);
        let form = form_of(&path);
        let time = t.time_us(row);
        if let Some(ua) = t
            .detail_value(row, "ua")
            .filter(|u| u.starts_with("Mozilla/"))
        {
            browsers.entry(ua).or_default().push(r);
        }
        match req.method {
            // Only the loads of forms are remembered: nothing else is posted back.
            "GET" if form.is_some() => {
                if let Some(us) = time {
                    loaded.insert(path, us);
                }
            }
            "POST" => {
                let Some(form) = form else {
                    continue;
                };
                let after_load = match (loaded.get(&path), time) {
                    (Some(&get), Some(now)) => Some((now - get) / 1_000_000),
                    _ => None,
                };
                if let Some(ua) = t.detail_value(row, "ua") {
                    agents.entry(form).or_default().insert(ua);
                }
                posts.entry(form).or_default().push(Post {
                    row: r,
                    line: format!("{} {}", req.method, req.target),
                    status: req.status,
                    after_load,
                });
            }
            _ => {}
        }
    }
    let agents_of = |form| agents.get(&form).map_or(0, BTreeSet::len);
    let signup = posts
        .get(&Form::Signup)
        .and_then(|p| finding(Form::Signup, p, agents_of(Form::Signup)));
    let login = posts.get(&Form::Login);
    let mut out = Vec::new();
    match (signup, login) {
        (Some(mut s), Some(l)) => {
            // A bot logging in to the account it made is part of the sign-up story; three or
            // more login posts are password guessing of their own.
            match finding(Form::Login, l, agents_of(Form::Login)).filter(|f| f.rows.len() >= 3) {
                Some(guessing) => out.push(guessing),
                None => {
                    s.summary
                        .push_str(&format!("; then posted the login form {}", times(l.len())));
                    s.rows.extend(l.iter().map(|p| p.row));
                    s.rows.sort_unstable();
                }
            }
            out.push(s);
        }
        (Some(s), None) => out.push(s),
        (None, Some(l)) => out.extend(finding(Form::Login, l, agents_of(Form::Login))),
        (None, None) => {}
    }
    let requests: usize = browsers.values().map(Vec::len).sum();
    if browsers.len() >= ROTATION_AGENTS && requests >= ROTATION_REQUESTS {
        out.push(rotation(&browsers, requests));
    }
    out
}

/// "once", "3 times".
fn times(k: usize) -> String {
    match k {
        1 => "once".to_string(),
        k => format!("{k} times"),
    }
}

/// A user agent in a few words: its platform and its product tokens, without the tokens
/// every browser sends (`Mozilla/5.0`, `AppleWebKit`, `Safari`, `Gecko`, ...).
fn short_agent(ua: &str) -> String {
    let mut platform = None;
    let mut products = Vec::new();
    let mut rest = ua;
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(inner) = rest.strip_prefix('(') {
            let (comment, after) = inner.split_once(')').unwrap_or((inner, ""));
            if platform.is_none() && !comment.starts_with("KHTML") {
                platform = comment.split(';').next().map(str::trim);
            }
            rest = after;
            continue;
        }
        let end = rest.find([' ', '(']).unwrap_or(rest.len());
        let token = &rest[..end];
        const COMMON: [&str; 6] = [
            "Mozilla/",
            "AppleWebKit/",
            "Safari/",
            "Gecko/",
            "Version/",
            "Mobile",
        ];
        if !token.is_empty() && !COMMON.iter().any(|c| token.starts_with(c)) {
            products.push(token);
        }
        rest = &rest[end..];
    }
    match (platform, products.is_empty()) {
        (_, true) => ua.to_string(),
        (Some(p), false) => format!("{p}, {}", products.join(" ")),
        (None, false) => products.join(" "),
    }
}

/// The finding for one address under several browsers' names, the most used first.
fn rotation(browsers: &BTreeMap<&str, Vec<u32>>, requests: usize) -> Finding {
    let mut by_use: Vec<(&&str, &Vec<u32>)> = browsers.iter().collect();
    by_use.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut evidence = Vec::new();
    for (ua, _) in &by_use {
        push_evidence(&mut evidence, ua);
    }
    let named: Vec<String> = by_use
        .iter()
        .take(3)
        .map(|(ua, rows)| format!("{} ×{}", quote(&short_agent(ua)), rows.len()))
        .collect();
    let mut rows: Vec<u32> = browsers.values().flatten().copied().collect();
    rows.sort_unstable();
    Finding::new(
        FindingKind::AgentRotation,
        format!(
            "{requests} requests under {} different browser user agents from one address, \
             as a bot rotates them (most used: {})",
            browsers.len(),
            named.join(", ")
        ),
        evidence,
        rows,
    )
}

/// The finding for one form's posts, when they look scripted or repeated.
fn finding(form: Form, posts: &[Post], agents: usize) -> Option<Finding> {
    let n = posts.len();
    let scripted = posts
        .iter()
        .filter(|p| p.after_load.is_some_and(|s| s <= SCRIPTED_SECS))
        .count();
    let unloaded = posts.iter().filter(|p| p.after_load.is_none()).count();
    let redirected = posts
        .iter()
        .filter(|p| p.status.is_some_and(|s| (300..400).contains(&s)))
        .count();
    let failed = n - redirected;
    let (kind, repeated) = match form {
        Form::Signup => (FindingKind::ScriptedSignup, n >= 3),
        Form::Login => (FindingKind::BruteForce, failed >= 3),
    };
    if scripted == 0 && !repeated {
        return None;
    }
    let mut evidence = Vec::new();
    for p in posts {
        push_evidence(&mut evidence, &p.line);
    }
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for s in posts.iter().filter_map(|p| p.status) {
        *statuses.entry(s).or_default() += 1;
    }
    let answered: Vec<String> = statuses
        .iter()
        .map(|(s, c)| match c {
            1 => s.to_string(),
            c => format!("{s} ×{c}"),
        })
        .collect();
    let (what, meaning) = match form {
        Form::Signup if redirected > 0 => (
            "the sign-up form",
            "the redirect that follows an accepted sign-up".to_string(),
        ),
        Form::Signup => (
            "the sign-up form",
            "the form again: no account made".to_string(),
        ),
        Form::Login if redirected > 0 => (
            "the login form",
            format!("{redirected} redirected: possibly logged in"),
        ),
        Form::Login => (
            "the login form",
            "the form again: no login succeeded".to_string(),
        ),
    };
    let mut summary = format!("posted {what} {} {}", quote(&posts[0].line), times(n));
    if agents > 1 {
        summary.push_str(&format!(" under {agents} user agents"));
    }
    if scripted > 0 {
        let of = match (scripted == n, n) {
            (true, 1) => String::new(),
            (true, _) => "each ".to_string(),
            (false, _) => format!("{scripted} of them "),
        };
        summary.push_str(&format!(
            ", {of}within {SCRIPTED_SECS} s of loading it (faster than a person fills one in)"
        ));
    }
    if unloaded > 0 {
        let k = match unloaded {
            1 => "one".to_string(),
            k => k.to_string(),
        };
        summary.push_str(&format!(", {k} without loading it first"));
    }
    if !answered.is_empty() {
        summary.push_str(&format!("; answered {}, {meaning}", answered.join(", ")));
    }
    let mut f = Finding::new(
        kind,
        summary,
        evidence,
        posts.iter().map(|p| p.row).collect(),
    );
    // One scripted post weighs 0.35, 30 or more the kind's full weight; a login that was
    // redirected raises the severity (the script may have got in).
    let scale = (n as f64).ln() / 30f64.ln();
    f.weight = 0.35 + (f.weight - 0.35) * scale.clamp(0.0, 1.0);
    if form == Form::Login && redirected > 0 {
        f.severity = f.severity.raised();
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_shorten_to_platform_and_product() {
        // User agents of 148.251.65.34 in hackers-access.log.
        assert_eq!(
            short_agent("Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/39.0.2171.95 Safari/537.36 OPR/26.0.1656.60"),
            "Windows NT 6.1, Chrome/39.0.2171.95 OPR/26.0.1656.60"
        );
        assert_eq!(
            short_agent("Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Dragon/36.1.1.21 Chrome/36.0.1985.97 Safari/537.36"),
            "Windows NT 6.1, Dragon/36.1.1.21 Chrome/36.0.1985.97"
        );
        assert_eq!(
            short_agent("Mozilla/5.0 (Windows NT 6.0; rv:34.0) Gecko/20100101 Firefox/34.0"),
            "Windows NT 6.0, Firefox/34.0"
        );
        assert_eq!(short_agent("Mozilla/5.0"), "Mozilla/5.0");
    }

    #[test]
    fn paths_name_their_forms() {
        assert_eq!(
            path_of("http://howto.basjes.nl/join_form?x=1"),
            "/join_form"
        );
        assert_eq!(path_of("/Login_Form"), "/login_form");
        assert_eq!(form_of("/join_form"), Some(Form::Signup));
        assert_eq!(form_of("/login_form"), Some(Form::Login));
        assert_eq!(form_of("/wp-login.php"), Some(Form::Login));
        assert_eq!(form_of("/user/register"), Some(Form::Signup));
        assert_eq!(form_of("/login/signup"), Some(Form::Signup));
        assert_eq!(form_of("/search"), None);
        assert_eq!(
            form_of(&path_of(
                "/acl_users/credentials_cookie_auth/require_login?came_from=x"
            )),
            Some(Form::Login),
            "a GET of it is no post: only posts are judged"
        );
    }
}
