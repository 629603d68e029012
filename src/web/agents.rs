//! User agents grouped as an analyst reads them: browsers by family, crawlers by name, and
//! the scripts and attack tools that announce themselves (curl, python-requests, sqlmap,
//! Nikto, zgrab...), each with the operating system it claims.

/// What kind of client a user agent names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Client {
    /// A web browser.
    Browser,
    /// A search engine's or a service's crawler.
    Crawler,
    /// A script, library or scanner.
    Tool,
    /// No user agent, or one naming nothing known.
    Unknown,
}

impl Client {
    /// Its name in the Web view.
    pub fn label(self) -> &'static str {
        match self {
            Client::Browser => "browser",
            Client::Crawler => "crawler",
            Client::Tool => "script or tool",
            Client::Unknown => "unknown",
        }
    }
}

/// A user agent read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The kind of client.
    pub client: Client,
    /// The browser family, crawler or tool (`Firefox`, `Googlebot`, `curl`), or `Unknown`.
    pub name: String,
    /// The operating system it claims (`Windows`, `Android`...), `Crawler`, `Script or tool`,
    /// or `Unknown`.
    pub os: &'static str,
}

/// Tools that name themselves at the start of their user agent, as they name themselves.
const TOOLS: [&str; 36] = [
    "curl",
    "Wget",
    "python-requests",
    "Python-urllib",
    "python-httpx",
    "aiohttp",
    "Go-http-client",
    "Java",
    "okhttp",
    "libwww-perl",
    "lwp-trivial",
    "Apache-HttpClient",
    "PycURL",
    "masscan",
    "zgrab",
    "sqlmap",
    "Nikto",
    "WPScan",
    "Hydra",
    "Nuclei",
    "ZmEu",
    "Morfeus",
    "HTTrack",
    "Scrapy",
    "node-fetch",
    "axios",
    "PostmanRuntime",
    "DirBuster",
    "gobuster",
    "fasthttp",
    "Fuzz Faster U Fool",
    "WinHttp",
    "Microsoft URL Control",
    "Indy Library",
    "Jakarta Commons-HttpClient",
    "PHP",
];

/// Tools that name themselves anywhere in their user agent.
const TOOLS_WITHIN: [(&str, &str); 6] = [
    ("Nmap Scripting Engine", "Nmap"),
    ("zgrab", "zgrab"),
    ("masscan", "masscan"),
    ("sqlmap", "sqlmap"),
    ("Nikto", "Nikto"),
    ("l9explore", "l9explore"),
];

/// Browser families by the token that marks them, most specific first.
const BROWSERS: [(&str, &str); 13] = [
    ("Edg/", "Edge"),
    ("Edge/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("YaBrowser/", "Yandex Browser"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("MSIE ", "MSIE"),
    ("Trident/", "MSIE"),
];

/// Operating systems by the token that marks them, most specific first.
const SYSTEMS: [(&str, &str); 12] = [
    ("Windows Phone", "Windows Phone"),
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("iPod", "iOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("CrOS", "Chrome OS"),
    ("BSD", "BSD"),
    ("Linux", "Linux"),
    ("X11", "Unix"),
];

/// Reads a user agent (none when the log had `-` or nothing).
pub fn classify(ua: Option<&str>) -> Agent {
    let Some(ua) = ua.map(str::trim).filter(|u| !u.is_empty()) else {
        return unknown();
    };
    if let Some(name) = crawler(ua) {
        return Agent {
            client: Client::Crawler,
            name,
            os: "Crawler",
        };
    }
    if let Some(name) = tool(ua) {
        return Agent {
            client: Client::Tool,
            name: name.to_owned(),
            os: "Script or tool",
        };
    }
    let os = SYSTEMS
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map_or("Unknown", |(_, os)| os);
    match BROWSERS.iter().find(|(token, _)| ua.contains(token)) {
        Some((_, name)) => Agent {
            client: Client::Browser,
            name: (*name).to_owned(),
            os,
        },
        None if ua.starts_with("Mozilla/") => Agent {
            client: Client::Browser,
            name: "Other browser".into(),
            os,
        },
        None => Agent { os, ..unknown() },
    }
}

fn unknown() -> Agent {
    Agent {
        client: Client::Unknown,
        name: "Unknown".into(),
        os: "Unknown",
    }
}

/// The crawler a user agent names: its token with `bot`, `spider` or `crawler` in it, without
/// the version (`Googlebot`, `bingbot`, `Baiduspider`).
fn crawler(ua: &str) -> Option<String> {
    let lower = ua.to_ascii_lowercase();
    let marks = ["bot", "spider", "crawler", "slurp", "facebookexternalhit"];
    if !marks.iter().any(|m| lower.contains(m)) {
        return None;
    }
    ua.split([' ', ';', '(', ')', ','])
        .map(|token| token.split('/').next().unwrap_or(token))
        .find(|token| {
            let t = token.to_ascii_lowercase();
            !t.starts_with("http") && !t.starts_with('+') && marks.iter().any(|m| t.contains(m))
        })
        .map(|token| {
            token
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_owned()
        })
        .filter(|name| !name.is_empty())
        .or_else(|| Some("Other crawler".into()))
}

fn tool(ua: &str) -> Option<&'static str> {
    TOOLS
        .iter()
        .find(|t| {
            ua.get(..t.len()).is_some_and(|p| p.eq_ignore_ascii_case(t))
                && ua[t.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| matches!(c, '/' | ' ' | '-' | '('))
        })
        .copied()
        .or_else(|| {
            TOOLS_WITHIN
                .iter()
                .find(|(token, _)| ua.contains(token))
                .map(|(_, name)| *name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(ua: &str) -> (Client, String, &'static str) {
        let a = classify(Some(ua));
        (a.client, a.name, a.os)
    }

    #[test]
    fn browsers_crawlers_and_tools() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                      Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(read(chrome), (Client::Browser, "Chrome".into(), "Windows"));
        let edge = format!("{chrome} Edg/120.0.0.0");
        assert_eq!(read(&edge).1, "Edge");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(read(iphone), (Client::Browser, "Safari".into(), "iOS"));
        let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        assert_eq!(read(bot), (Client::Crawler, "Googlebot".into(), "Crawler"));
        assert_eq!(read("curl/8.0").1, "curl");
        assert_eq!(read("python-requests/2.31").0, Client::Tool);
        assert_eq!(
            read("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None)").1,
            "Nikto"
        );
        assert_eq!(read("Mozilla/5.0 zgrab/0.x").1, "zgrab");
        assert_eq!(classify(None).client, Client::Unknown);
        assert_eq!(
            read("Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)").1,
            "MSIE"
        );
    }
}
