//! Azure WAF custom rules: Application Gateway (at most 540 values per match condition) and
//! Front Door (at most 600 per rule), unique priorities, at most 100 rules per policy.

use serde_json::{json, Value};

use super::limits::{AZURE_APPGW_VALUES, AZURE_FRONTDOOR_VALUES, AZURE_LAST_PRIORITY, AZURE_RULES};
use super::{Ctx, Format, OutFile, Syntax};
use crate::blocklist::Action;

/// Chunks of at most `per` CIDRs, IPv4 and IPv6 in separate rules.
fn chunks(ctx: &Ctx, per: usize) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::new();
    for list in [&ctx.v4, &ctx.v6] {
        for c in list.chunks(per) {
            out.push(c.iter().map(|e| e.net.to_string()).collect());
        }
    }
    if out.len() > AZURE_RULES {
        return Err(format!(
            "{} addresses need {} custom rules of {per}: more than the {AZURE_RULES} a policy holds; aggregate the list or export fewer entries",
            ctx.count(),
            out.len()
        ));
    }
    Ok(out)
}

/// Rule names: letters and digits only.
fn rule_name(ctx: &Ctx, i: usize) -> String {
    let base: String = ctx
        .opts
        .name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(100)
        .collect();
    format!(
        "{}{}",
        if base.is_empty() { "netsleuth" } else { &base },
        i + 1
    )
}

fn action(ctx: &Ctx) -> Result<&'static str, String> {
    match ctx.opts.action {
        Action::Block => Ok("Block"),
        Action::Monitor => Ok("Log"),
        a => Err(format!(
            "Azure WAF custom rules here block or log; export the {} entries another way",
            a.name()
        )),
    }
}

/// The first rule's priority, checked so that every rule's fits.
fn first_priority(ctx: &Ctx, rules: usize) -> Result<u32, String> {
    let first = ctx.opts.first_priority.unwrap_or(1);
    let last = u64::from(first) + rules as u64 - 1;
    if first == 0 || last > u64::from(AZURE_LAST_PRIORITY) {
        return Err(format!(
            "Azure custom rule priorities run from 1 to {AZURE_LAST_PRIORITY}: {rules} rules cannot start at {first}"
        ));
    }
    Ok(first)
}

fn write(name: &str, rules: Vec<Value>, ctx: &mut Ctx, per: usize) -> Vec<OutFile> {
    let first = &rules[0]["priority"];
    let last = &rules[rules.len() - 1]["priority"];
    ctx.notes.push(if rules.len() > 1 {
        format!(
            "split into {} custom rules of at most {per} addresses, priorities {first} to {last}",
            rules.len()
        )
    } else {
        format!("one custom rule, priority {first}")
    });
    ctx.notes.push(
        "priorities must be unique in the policy: choose a first priority clear of its own custom rules".into(),
    );
    let mut bytes = serde_json::to_vec_pretty(&Value::Array(rules)).expect("JSON values serialise");
    bytes.push(b'\n');
    vec![OutFile {
        name: name.into(),
        bytes,
    }]
}

/// Application Gateway WAF policy `customRules`.
pub(super) fn app_gateway(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let act = action(ctx)?;
    let chunks = chunks(ctx, AZURE_APPGW_VALUES)?;
    let first = first_priority(ctx, chunks.len())? as usize;
    let rules: Vec<Value> = chunks
        .into_iter()
        .enumerate()
        .map(|(i, values)| {
            json!({
                "name": rule_name(ctx, i),
                "priority": first + i,
                "ruleType": "MatchRule",
                "state": "Enabled",
                "action": act,
                "matchConditions": [{
                    "matchVariables": [{"variableName": "RemoteAddr"}],
                    "operator": "IPMatch",
                    "negationConditon": false,
                    "matchValues": values,
                }],
            })
        })
        .collect();
    Ok(write(
        Format::AzureWafAppGw.default_name(Syntax::Native),
        rules,
        ctx,
        AZURE_APPGW_VALUES,
    ))
}

/// Front Door WAF policy `customRules.rules`.
pub(super) fn front_door(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let act = action(ctx)?;
    let chunks = chunks(ctx, AZURE_FRONTDOOR_VALUES)?;
    let first = first_priority(ctx, chunks.len())? as usize;
    let rules: Vec<Value> = chunks
        .into_iter()
        .enumerate()
        .map(|(i, values)| {
            json!({
                "name": rule_name(ctx, i),
                "priority": first + i,
                "enabledState": "Enabled",
                "ruleType": "MatchRule",
                "action": act,
                "matchConditions": [{
                    "matchVariable": "RemoteAddr",
                    "operator": "IPMatch",
                    "negateCondition": false,
                    "matchValue": values,
                }],
            })
        })
        .collect();
    Ok(write(
        Format::AzureWafFrontDoor.default_name(Syntax::Native),
        rules,
        ctx,
        AZURE_FRONTDOOR_VALUES,
    ))
}
