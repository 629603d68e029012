//! Google Cloud Armor: a security policy whose deny rules hold at most 10 source ranges each,
//! as JSON or YAML for `gcloud compute security-policies import`, or as gcloud commands that
//! add the rules to an existing policy.

use serde_json::{json, Value};

use super::limits::{CLOUD_ARMOR_LAST_PRIORITY, CLOUD_ARMOR_RANGES, CLOUD_ARMOR_RULES_QUOTA};
use super::sanitize::{json_string, one_line, shell_word};
use super::{Ctx, Format, OutFile, Syntax};
use crate::blocklist::Action;

/// The first rule's priority unless asked otherwise; rules follow one apart.
const FIRST_PRIORITY: u32 = 1000;

pub(super) fn policy(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    if ctx.opts.action != Action::Block {
        return Err("this Cloud Armor export writes deny(403) rules: export block entries".into());
    }
    let name = &ctx.opts.name;
    let valid = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(format!(
            "Cloud Armor policy names are 1 to 63 lowercase letters, digits and '-', starting with a letter and not ending with '-': '{name}' is not"
        ));
    }
    let ranges: Vec<String> = ctx.all().map(|e| e.net.to_string()).collect();
    let chunks: Vec<&[String]> = ranges.chunks(CLOUD_ARMOR_RANGES).collect();
    let first = ctx.opts.first_priority.unwrap_or(FIRST_PRIORITY);
    let last = u64::from(first) + chunks.len() as u64 - 1;
    if last > u64::from(CLOUD_ARMOR_LAST_PRIORITY) {
        return Err(format!(
            "Cloud Armor priorities run from 0 to {CLOUD_ARMOR_LAST_PRIORITY} below the default rule: {} rules cannot start at {first}",
            chunks.len()
        ));
    }
    ctx.notes.push(format!(
        "{} deny rules of at most {CLOUD_ARMOR_RANGES} ranges, priorities {first} to {last}, clear of the policy's own rules",
        chunks.len()
    ));
    let with_default = chunks.len() + 1;
    if with_default > CLOUD_ARMOR_RULES_QUOTA {
        ctx.notes.push(format!(
            "the policy holds {with_default} rules with its default rule: more than the {CLOUD_ARMOR_RULES_QUOTA} a project's global policies hold together by default (quota SECURITY_POLICY_RULES); aggregate the list or have the quota raised before importing"
        ));
    }
    let first = first as usize;
    let describe = |i: usize| format!("netsleuth blocklist {}/{}", i + 1, chunks.len());
    let name = ctx.opts.name.clone();
    let file = Format::CloudArmor.default_name(ctx.opts.syntax).to_string();
    let text = match ctx.opts.syntax {
        Syntax::Shell => {
            let mut s = String::from("#!/bin/sh\n");
            s.push_str(&ctx.hash_header(Format::CloudArmor));
            s.push_str(&format!(
                "# Adds the rules to the existing policy {name}. To make it first:\n#   gcloud compute security-policies create {name} --description='netsleuth blocklist'\nset -e\n"
            ));
            for (i, c) in chunks.iter().enumerate() {
                s.push_str(&format!(
                    "gcloud compute security-policies rules create {} --security-policy={} --src-ip-ranges={} --action=deny-403 --description={}\n",
                    first + i,
                    shell_word(&name),
                    c.join(","),
                    shell_word(&describe(i))
                ));
            }
            s
        }
        syntax => {
            let rule = |i: usize, c: &[String]| {
                json!({
                    "description": describe(i),
                    "priority": first + i,
                    "action": "deny(403)",
                    "preview": false,
                    "match": {"versionedExpr": "SRC_IPS_V1", "config": {"srcIpRanges": c}},
                })
            };
            let default = json!({
                "description": "Default rule, higher priority overrides it",
                "priority": 2_147_483_647u32,
                "action": "allow",
                "preview": false,
                "match": {"versionedExpr": "SRC_IPS_V1", "config": {"srcIpRanges": ["*"]}},
            });
            let rules = chunks
                .iter()
                .enumerate()
                .map(|(i, c)| rule(i, c))
                .chain(std::iter::once(default));
            let description = one_line(&ctx.header(Format::CloudArmor).join(". "), 2000);
            if syntax == Syntax::Yaml {
                yaml(
                    &ctx.hash_header(Format::CloudArmor),
                    &name,
                    &description,
                    rules,
                )
            } else {
                // Keys in serde_json's order (sorted), the rules written one at a time.
                let text = |s: &str| serde_json::to_string(s).expect("strings serialise");
                let mut t = format!(
                    "{{\n  \"description\": {},\n  \"name\": {},\n  \"rules\": ",
                    text(&description),
                    text(&name)
                )
                .into_bytes();
                super::json_text::pretty_array(&mut t, 1, rules);
                t.extend_from_slice(b"\n}\n");
                String::from_utf8(t).expect("JSON text is UTF-8")
            }
        }
    };
    if ctx.opts.syntax != Syntax::Shell {
        ctx.notes.push(
            "gcloud compute security-policies import replaces every rule of the policy: use the .sh form to add to a policy in use".into(),
        );
    }
    Ok(vec![OutFile {
        name: file,
        bytes: text.into_bytes(),
    }])
}

fn yaml(header: &str, name: &str, description: &str, rules: impl Iterator<Item = Value>) -> String {
    let mut y = header.to_string();
    y.push_str(&format!(
        "name: {}\ndescription: {}\nrules:\n",
        json_string(name),
        json_string(description)
    ));
    for r in rules {
        let ranges: Vec<String> = r["match"]["config"]["srcIpRanges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(json_string))
            .collect();
        y.push_str(&format!(
            "- description: {}\n  priority: {}\n  action: {}\n  preview: false\n  match:\n    versionedExpr: SRC_IPS_V1\n    config:\n      srcIpRanges:\n",
            json_string(r["description"].as_str().unwrap_or_default()),
            r["priority"],
            json_string(r["action"].as_str().unwrap_or_default())
        ));
        for range in ranges {
            y.push_str(&format!("      - {range}\n"));
        }
    }
    y
}
