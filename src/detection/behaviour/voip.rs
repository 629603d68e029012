//! VoIP in honeypot logs: SIP scanners (SIPVicious and its kin) that register and enumerate
//! extensions again and again, and the calls they try to place through the sensor, the first
//! step of toll fraud.

use crate::events::EventTable;

use super::{Finding, FindingKind};

/// SIP events of one source from which it is a scanner rather than a stray packet.
const SIP_MIN: usize = 5;

/// The SIP finding over the rows of one source, when it probed often enough.
pub fn findings(t: &EventTable, rows: &[u32]) -> Option<Finding> {
    let mut sessions = Vec::new();
    let mut calls = 0;
    for &r in rows {
        let row = r as usize;
        let sip = t.app_protocol(row).is_some_and(|p| p.starts_with("sip"))
            || (t.app_protocol(row).is_none_or(str::is_empty)
                && matches!(t.destination_port(row), Some(5060 | 5061)));
        if sip {
            sessions.push(r);
            if t.app_protocol(row) == Some("sipcall") {
                calls += 1;
            }
        }
    }
    let n = sessions.len();
    if n < SIP_MIN {
        return None;
    }
    let mut summary = format!("{n} SIP sessions with the sensor's VoIP service (port 5060)");
    if calls > 0 {
        let calls_text = if calls == 1 {
            "1 call".to_string()
        } else {
            format!("{calls} calls")
        };
        summary.push_str(&format!(
            ", {calls_text} among them: trying to place calls through it, as toll fraud starts"
        ));
    } else {
        summary.push_str(", as a SIP scanner enumerates extensions");
    }
    let mut f = Finding::new(FindingKind::SipScan, summary, Vec::new(), sessions);
    // 5 sessions weigh 0.3, 50 or more 0.5; calls raise it to medium severity and 0.6.
    let scale = ((n as f64).ln() - (SIP_MIN as f64).ln()) / (50f64.ln() - (SIP_MIN as f64).ln());
    f.weight = 0.3 + 0.2 * scale.clamp(0.0, 1.0);
    if calls > 0 {
        f.severity = f.severity.raised();
        f.weight += 0.1;
    }
    Some(f)
}
