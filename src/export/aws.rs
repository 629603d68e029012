//! AWS WAFv2: IP sets (IPv4 and IPv6 apart, at most 10,000 addresses each, split into
//! numbered sets beyond) for the CLI, CloudFormation and Terraform, with a rule per set that
//! references it.

use serde_json::{json, Value};

use super::limits::{AWS_DESCRIPTION_CHARS, AWS_IPSET_ADDRESSES, AWS_NAME_CHARS};
use super::sanitize::{hash_comment, hcl_string, json_string, only};
use super::{check_name, why, Ctx, Format, OutFile, Scope, Syntax};
use crate::blocklist::{Action, Entry};

/// One IP set to create.
struct Set<'a> {
    name: String,
    /// CloudFormation logical id and Terraform resource name.
    id: String,
    version: &'static str,
    entries: &'a [&'a Entry],
}

/// Characters AWS allows in a description (`^[\w+=:#@/\-,\.][\w+=:#@/\-,\.\s]+[\w+=:#@/\-,\.]$`).
fn description_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=:#@/-,. ".contains(c)
}

fn description(ctx: &Ctx, set: &Set) -> String {
    let text = format!(
        "netsleuth blocklist, {} {} addresses, {}. {}",
        set.entries.len(),
        if set.version == "IPV4" {
            "IPv4"
        } else {
            "IPv6"
        },
        crate::blocklist::format_time(ctx.opts.generated_at),
        ctx.opts.investigation
    );
    only(&text, description_char, ' ', AWS_DESCRIPTION_CHARS)
}

fn sets<'a>(ctx: &'a Ctx) -> Result<Vec<Set<'a>>, String> {
    let name = &ctx.opts.name;
    check_name(name, AWS_NAME_CHARS - "-ipv4-99".len())?;
    let mut out = Vec::new();
    for (family, version, list) in [("ipv4", "IPV4", &ctx.v4), ("ipv6", "IPV6", &ctx.v6)] {
        let chunks: Vec<&[&Entry]> = list.chunks(AWS_IPSET_ADDRESSES).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let suffix = if chunks.len() == 1 {
                family.to_string()
            } else {
                format!("{family}-{}", i + 1)
            };
            let id: String = format!("{name}-{suffix}")
                .split(['-', '_'])
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            out.push(Set {
                name: format!("{name}-{suffix}"),
                id,
                version,
                entries: chunk,
            });
        }
    }
    Ok(out)
}

fn split_notes(ctx: &Ctx, sets: &[Set]) -> Vec<String> {
    let mut notes = Vec::new();
    if sets.len() > 2 || (ctx.v4.is_empty() || ctx.v6.is_empty()) && sets.len() > 1 {
        notes.push(format!(
            "split into {} IP sets of at most {AWS_IPSET_ADDRESSES} addresses: {}",
            sets.len(),
            sets.iter()
                .map(|s| format!("{} ({})", s.name, s.entries.len()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if ctx.opts.scope == Scope::Cloudfront {
        notes.push("CLOUDFRONT sets must be created in us-east-1 (--region us-east-1)".into());
    }
    notes
}

/// The WAF action object for the export's action.
fn action(ctx: &Ctx) -> Result<&'static str, String> {
    match ctx.opts.action {
        Action::Block => Ok("Block"),
        Action::Challenge => Ok("Challenge"),
        Action::Monitor => Ok("Count"),
        Action::RateLimit => Err(
            "AWS WAF rate limits need a rate-based rule that this export does not write: export the rate-limit entries as an IP set with action monitor and add the rule by hand".into(),
        ),
    }
}

fn metric(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
        .take(128)
        .collect()
}

fn cidrs(set: &Set) -> Vec<String> {
    set.entries.iter().map(|e| e.net.to_string()).collect()
}

/// `create-ip-set --cli-input-json` files, the rules that reference the sets, and a README.
pub(super) fn cli(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let act = action(ctx)?;
    let sets = sets(ctx)?;
    let scope = ctx.opts.scope;
    let (region, path) = match scope {
        Scope::Regional => ("REGION", "regional"),
        Scope::Cloudfront => ("us-east-1", "global"),
    };
    let mut files = Vec::new();
    let mut rules = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        let body = json!({
            "Name": set.name,
            "Scope": scope.name(),
            "Description": description(ctx, set),
            "IPAddressVersion": set.version,
            "Addresses": cidrs(set),
            "Tags": [{"Key": "generated-by", "Value": format!("netsleuth {}", env!("CARGO_PKG_VERSION"))}],
        });
        files.push(OutFile {
            name: format!("{}.json", set.name),
            bytes: pretty(&body),
        });
        rules.push(json!({
            "Name": set.name,
            "Priority": i,
            "Statement": {"IPSetReferenceStatement": {
                "ARN": format!("arn:aws:wafv2:{region}:ACCOUNT_ID:{path}/ipset/{}/IPSET_ID", set.name)
            }},
            "Action": {act: {}},
            "VisibilityConfig": {
                "SampledRequestsEnabled": true,
                "CloudWatchMetricsEnabled": true,
                "MetricName": metric(&set.name),
            },
        }));
    }
    files.push(OutFile {
        name: "web-acl-rules.json".into(),
        bytes: pretty(&Value::Array(rules)),
    });
    let region_flag = match scope {
        Scope::Regional => String::new(),
        Scope::Cloudfront => " --region us-east-1".into(),
    };
    let mut readme = ctx.hash_header(Format::AwsWafCli);
    readme.push_str("#\n# 1. Create each IP set; note the ARN each command prints:\n");
    for set in &sets {
        readme.push_str(&format!(
            "aws wafv2 create-ip-set{region_flag} --cli-input-json file://{}.json\n",
            set.name
        ));
    }
    readme.push_str(
        "# 2. In web-acl-rules.json, replace each ARN's REGION, ACCOUNT_ID and IPSET_ID with the\n\
         #    ARN printed for that set, renumber the priorities to fit your web ACL, and add the\n\
         #    rules to its Rules (aws wafv2 update-web-acl --rules file://... with its other\n\
         #    settings and lock token).\n",
    );
    files.push(OutFile {
        name: "README.txt".into(),
        bytes: readme.into_bytes(),
    });
    let notes = split_notes(ctx, &sets);
    drop(sets);
    ctx.notes.extend(notes);
    Ok(files)
}

/// The entry's reason as a `#` comment ending its line, after `gap`; empty without a reason.
fn trailing_reason(e: &Entry, gap: &str) -> String {
    let reason = hash_comment(&why(e), 200);
    if reason.is_empty() {
        String::new()
    } else {
        format!("{gap}# {reason}")
    }
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(v).expect("JSON values serialise");
    bytes.push(b'\n');
    bytes
}

/// A CloudFormation template: the IP sets, a rule group referencing them, and their ARNs as
/// outputs. YAML, or JSON when asked.
pub(super) fn cloudformation(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let act = action(ctx)?;
    let sets = sets(ctx)?;
    let scope = ctx.opts.scope.name();
    let group = format!("{}-rules", ctx.opts.name);
    let tag = format!("netsleuth {}", env!("CARGO_PKG_VERSION"));
    let text = if ctx.opts.syntax == Syntax::Json {
        let mut resources = serde_json::Map::new();
        let mut outputs = serde_json::Map::new();
        let mut rules = Vec::new();
        for (i, set) in sets.iter().enumerate() {
            resources.insert(
                set.id.clone(),
                json!({
                    "Type": "AWS::WAFv2::IPSet",
                    "Properties": {
                        "Name": set.name,
                        "Scope": scope,
                        "Description": description(ctx, set),
                        "IPAddressVersion": set.version,
                        "Addresses": cidrs(set),
                        "Tags": [{"Key": "generated-by", "Value": tag}],
                    }
                }),
            );
            outputs.insert(
                format!("{}Arn", set.id),
                json!({"Value": {"Fn::GetAtt": [set.id, "Arn"]}}),
            );
            rules.push(json!({
                "Name": set.name,
                "Priority": i,
                "Action": {act: {}},
                "Statement": {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": [set.id, "Arn"]}}},
                "VisibilityConfig": {
                    "SampledRequestsEnabled": true,
                    "CloudWatchMetricsEnabled": true,
                    "MetricName": metric(&set.name),
                },
            }));
        }
        resources.insert(
            "NetsleuthRuleGroup".into(),
            json!({
                "Type": "AWS::WAFv2::RuleGroup",
                "Properties": {
                    "Name": group,
                    "Scope": scope,
                    "Capacity": sets.len(),
                    "Description": "Blocks the netsleuth IP sets",
                    "Rules": rules,
                    "VisibilityConfig": {
                        "SampledRequestsEnabled": true,
                        "CloudWatchMetricsEnabled": true,
                        "MetricName": metric(&group),
                    },
                }
            }),
        );
        outputs.insert(
            "NetsleuthRuleGroupArn".into(),
            json!({"Value": {"Fn::GetAtt": ["NetsleuthRuleGroup", "Arn"]}}),
        );
        let header = ctx.header(Format::AwsWafCloudFormation).join(". ");
        String::from_utf8(pretty(&json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": only(&header, |c| c.is_ascii() && !c.is_ascii_control(), ' ', 1024),
            "Resources": resources,
            "Outputs": outputs,
        })))
        .expect("JSON is UTF-8")
    } else {
        let mut y = ctx.hash_header(Format::AwsWafCloudFormation);
        if ctx.opts.scope == Scope::Cloudfront {
            y.push_str("# CLOUDFRONT scope: deploy this stack in us-east-1.\n");
        }
        y.push_str("AWSTemplateFormatVersion: \"2010-09-09\"\n");
        y.push_str("Description: \"netsleuth blocklist: WAFv2 IP sets and a rule group that blocks them\"\n");
        y.push_str("Resources:\n");
        for set in &sets {
            y.push_str(&format!(
                "  {}:\n    Type: AWS::WAFv2::IPSet\n    Properties:\n      Name: {}\n      Scope: {scope}\n      Description: {}\n      IPAddressVersion: {}\n      Addresses:\n",
                set.id,
                json_string(&set.name),
                json_string(&description(ctx, set)),
                set.version
            ));
            for e in set.entries {
                let comment = trailing_reason(e, "  ");
                y.push_str(&format!(
                    "        - {}{comment}\n",
                    json_string(&e.net.to_string())
                ));
            }
            y.push_str(&format!(
                "      Tags:\n        - Key: generated-by\n          Value: {}\n",
                json_string(&tag)
            ));
        }
        y.push_str(&format!(
            "  NetsleuthRuleGroup:\n    Type: AWS::WAFv2::RuleGroup\n    Properties:\n      Name: {}\n      Scope: {scope}\n      Capacity: {}\n      Description: \"Blocks the netsleuth IP sets\"\n      VisibilityConfig:\n        SampledRequestsEnabled: true\n        CloudWatchMetricsEnabled: true\n        MetricName: {}\n      Rules:\n",
            json_string(&group),
            sets.len(),
            json_string(&metric(&group))
        ));
        for (i, set) in sets.iter().enumerate() {
            y.push_str(&format!(
                "        - Name: {}\n          Priority: {i}\n          Action:\n            {act}: {{}}\n          Statement:\n            IPSetReferenceStatement:\n              Arn: !GetAtt {}.Arn\n          VisibilityConfig:\n            SampledRequestsEnabled: true\n            CloudWatchMetricsEnabled: true\n            MetricName: {}\n",
                json_string(&set.name),
                set.id,
                json_string(&metric(&set.name))
            ));
        }
        y.push_str("Outputs:\n");
        for set in &sets {
            y.push_str(&format!(
                "  {}Arn:\n    Value: !GetAtt {}.Arn\n",
                set.id, set.id
            ));
        }
        y.push_str("  NetsleuthRuleGroupArn:\n    Value: !GetAtt NetsleuthRuleGroup.Arn\n");
        y
    };
    let mut notes = split_notes(ctx, &sets);
    if text.len() > 51_200 {
        notes.push(format!(
            "the template is {} KB: CloudFormation takes templates over 51,200 bytes only from S3 (--template-url)",
            text.len() / 1024
        ));
    }
    drop(sets);
    ctx.notes.extend(notes);
    Ok(vec![OutFile {
        name: super::Format::AwsWafCloudFormation
            .default_name(ctx.opts.syntax)
            .into(),
        bytes: text.into_bytes(),
    }])
}

/// Terraform: an `aws_wafv2_ip_set` per set and an `aws_wafv2_rule_group` referencing them.
pub(super) fn terraform(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let act = action(ctx)?.to_ascii_lowercase();
    let sets = sets(ctx)?;
    let scope = ctx.opts.scope.name();
    let resource = |set: &Set| set.name.replace('-', "_");
    let mut t = ctx.hash_header(Format::AwsWafTerraform);
    if ctx.opts.scope == Scope::Cloudfront {
        t.push_str("# CLOUDFRONT scope: apply with an aws provider for region us-east-1.\n");
    }
    for set in &sets {
        t.push_str(&format!(
            "\nresource \"aws_wafv2_ip_set\" \"{}\" {{\n  name               = {}\n  description        = {}\n  scope              = \"{scope}\"\n  ip_address_version = \"{}\"\n  addresses = [\n",
            resource(set),
            hcl_string(&set.name),
            hcl_string(&description(ctx, set)),
            set.version
        ));
        for e in set.entries {
            let comment = trailing_reason(e, " ");
            t.push_str(&format!(
                "    {},{comment}\n",
                hcl_string(&e.net.to_string())
            ));
        }
        t.push_str(&format!(
            "  ]\n  tags = {{\n    \"generated-by\" = {}\n  }}\n}}\n",
            hcl_string(&format!("netsleuth {}", env!("CARGO_PKG_VERSION")))
        ));
    }
    let group = format!("{}-rules", ctx.opts.name);
    t.push_str(&format!(
        "\nresource \"aws_wafv2_rule_group\" \"{}\" {{\n  name     = {}\n  scope    = \"{scope}\"\n  capacity = {}\n",
        group.replace('-', "_"),
        hcl_string(&group),
        sets.len()
    ));
    for (i, set) in sets.iter().enumerate() {
        t.push_str(&format!(
            "\n  rule {{\n    name     = {}\n    priority = {i}\n\n    action {{\n      {act} {{}}\n    }}\n\n    statement {{\n      ip_set_reference_statement {{\n        arn = aws_wafv2_ip_set.{}.arn\n      }}\n    }}\n\n    visibility_config {{\n      cloudwatch_metrics_enabled = true\n      metric_name                = {}\n      sampled_requests_enabled   = true\n    }}\n  }}\n",
            hcl_string(&set.name),
            resource(set),
            hcl_string(&metric(&set.name))
        ));
    }
    t.push_str(&format!(
        "\n  visibility_config {{\n    cloudwatch_metrics_enabled = true\n    metric_name                = {}\n    sampled_requests_enabled   = true\n  }}\n}}\n",
        hcl_string(&metric(&group))
    ));
    let notes = split_notes(ctx, &sets);
    drop(sets);
    ctx.notes.extend(notes);
    Ok(vec![OutFile {
        name: Format::AwsWafTerraform.default_name(Syntax::Native).into(),
        bytes: t.into_bytes(),
    }])
}
