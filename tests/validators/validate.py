#!/usr/bin/env python3
"""Checks netsleuth blocklist exports (IP and domain) against the rules of the product that
consumes them.

Called by tests/validators/check, which runs the native consumers (nginx -t, apache2 -t,
haproxy -c, nft -c, ipset restore, iptables-restore --test) itself and calls this file for
the static part of those formats, and for every format whose consumer is a cloud API, where
the closest local stand-in is the vendor's own model: botocore's wafv2 service model, cfn-lint,
python-hcl2, the Azure SDK models, and Google's compute_v1 protobuf types.

Usage: validate.py FORMAT PATH
Exit status: 0 accepted, 1 rejected (reasons on stderr), 2 usage error, 3 environment problem
(a validator package is missing: run scripts/install-validators).

Facts checked here that no model encodes, with where they come from:
  AWS WAF    ip set: every address in CIDR notation, any prefix except /0; at most 10,000
             addresses per set. docs.aws.amazon.com/waf/latest/APIReference/API_IPSet.html and
             .../developerguide/waf-rule-statement-type-ipset-match.html. Name, Description,
             MetricName, tag patterns/lengths come from the wafv2 service model itself (botocore's
             ParamValidator checks types, required members and minimums only, so maximums,
             patterns and enums are checked here from the same model).
  Cloudflare lists: IPv4 addresses or CIDR /8../32, IPv6 addresses or CIDR /12../128
             (developers.cloudflare.com/waf/tools/lists/custom-lists/; older revisions of that
             page said IPv6 /4../64 and /12../64). CSV upload: "<IP>,<DESCRIPTION>" or "<IP>",
             one item per line, no header row documented. Rule expressions: at most 4,096
             characters (developers.cloudflare.com/ruleset-engine/rules-language/expressions/).
             Comment <= 500 characters: netsleuth's own limit, not found in Cloudflare's docs.
  Azure Application Gateway WAF: at most 100 custom rules, priority 1..100 and unique
             (learn.microsoft.com .../web-application-firewall/ag/custom-waf-rules-overview),
             540 IP ranges per match condition (600 only with CRS 3.2+; azure-subscription-
             service-limits, application-gateway-limits).
  Azure Front Door WAF: 100 custom rules per policy, 10 match conditions per custom rule,
             600 IP ranges per match condition (azure-subscription-service-limits, front door).
  Cloud Armor: at most 10 srcIpRanges per rule (SecurityPolicyRuleMatcherConfig reference);
             default rule priority 2147483647.
  CrowdSec:  cscli decisions import reads only duration, reason, scope, type, value
             (crowdsecurity/crowdsec cmd/crowdsec-cli/clidecision/import.go, struct decisionRaw);
             it always sets origin to "cscli-import"; durations go through Go's
             time.ParseDuration (pkg/database/alerts.go), so "d" is not a unit.
  nftables:  element comments at most 128 bytes, no way to escape a double quote (seen with
             Debian 12's nft 1.0.6); nft -c silently accepts host bits and duplicate elements.
  ipset:     comments at most 255 characters, no double quotes (ipset(8)); set names at most
             31 characters (IPSET_MAXNAMELEN).
  ModSecurity 2: @ipMatchFromFile resolves a relative file name against the directory of the
             .conf file holding the rule (apache2/re_operators.c, msre_op_ipmatchFromFile_param
             _init); a data line is cut at the first character that is not a hex digit, '.',
             '/' or ':' (so a trailing comment is silently dropped, not rejected): checked here.
"""

import csv
import io
import ipaddress
import json
import os
import re
import shlex
import subprocess
import sys

MISSING_HINT = "run scripts/install-validators to install the validators"


class Reject(Exception):
    """The export is not acceptable; the message says why."""


class Missing(Exception):
    """A validator dependency is not installed."""


def need(module):
    """Imports a validator package, or raises Missing."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise Missing(f"python module {module} is not available ({e}); {MISSING_HINT}")


# ---------------------------------------------------------------------------------------------
# Addresses


def parse_net(text, where, *, require_prefix=False, min_prefix=None, versions=(4, 6)):
    """Parses an address or CIDR; rejects host bits, zone ids and anything else not plain.

    min_prefix is a {4: n, 6: m} map of the shortest prefix allowed."""
    if not isinstance(text, str):
        raise Reject(f"{where}: expected an address string, got {json.dumps(text)}")
    if text != text.strip() or not text:
        raise Reject(f"{where}: {text!r} has surrounding whitespace or is empty")
    if re.search(r"\s", text):
        raise Reject(f"{where}: {text!r} has text after the address (a trailing comment?)")
    if "%" in text:
        raise Reject(f"{where}: {text!r}: zone ids are not allowed")
    if require_prefix and "/" not in text:
        raise Reject(f"{where}: {text!r} must be in CIDR notation (for one host: /32 or /128)")
    if "/" in text and not re.fullmatch(r"[^/]+/(0|[1-9][0-9]{0,2})", text):
        raise Reject(f"{where}: {text!r} has a malformed prefix length")
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError as e:
        if "has host bits set" in str(e):
            raise Reject(f"{where}: {text!r} has host bits set ({e})")
        raise Reject(f"{where}: {text!r} is not a valid IP address or CIDR ({e})")
    if net.version not in versions:
        raise Reject(f"{where}: {text!r} is IPv{net.version}, expected IPv{versions[0]}")
    if min_prefix is not None and net.prefixlen < min_prefix[net.version]:
        raise Reject(
            f"{where}: {text!r}: IPv{net.version} prefix /{net.prefixlen} is shorter than the "
            f"allowed minimum /{min_prefix[net.version]}"
        )
    return net


def no_duplicates(nets, where):
    seen = {}
    for label, net in nets:
        if net in seen:
            raise Reject(f"{where}: {label} duplicates {seen[net]} ({net})")
        seen[net] = label


def no_overlaps(nets, where):
    """Rejects a network inside another one (nftables interval sets reject those too)."""
    for version in (4, 6):
        group = sorted((n, label) for label, n in nets if n.version == version)
        for (a, la), (b, lb) in zip(group, group[1:]):
            if b.subnet_of(a) or a.subnet_of(b):
                raise Reject(f"{where}: {lb} ({b}) overlaps {la} ({a})")


def read_text(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise Reject(f"{path}: not UTF-8 ({e})")
    except OSError as e:
        raise Reject(f"{path}: {e.strerror}")


def lines_of(path):
    """(number, line) pairs; the final newline is optional; CR is not allowed."""
    text = read_text(path)
    if "\r" in text:
        raise Reject(f"{path}: contains CR characters; write LF line endings")
    if text.endswith("\n"):
        text = text[:-1]
    if text == "":
        return []
    return list(enumerate(text.split("\n"), 1))


def load_json(path):
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise Reject(f"{path}: invalid JSON: {e}")


def expect_file(path):
    if not os.path.isfile(path):
        raise Reject(f"{path}: expected a file")


def expect_dir(path):
    if not os.path.isdir(path):
        raise Reject(f"{path}: expected a folder")


def unique(values, what, where):
    seen = set()
    for v in values:
        if v in seen:
            raise Reject(f"{where}: {what} {v!r} is used twice")
        seen.add(v)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


# ---------------------------------------------------------------------------------------------
# AWS WAF (botocore model)

AWS_NAME_RE = re.compile(r"[0-9A-Za-z_-]{1,128}")
AWS_MAX_ADDRESSES = 10_000


def wafv2_model():
    botocore_session = need("botocore.session")
    return botocore_session.get_session().get_service_model("wafv2")


def botocore_validate(params, shape, where):
    """botocore's own client-side validation, then the model constraints it does not check."""
    validate = need("botocore.validate")
    report = validate.ParamValidator().validate(params, shape)
    if report.has_errors():
        raise Reject(f"{where}: botocore ParamValidator:\n{report.generate_report()}")
    errors = []
    model_constraints(params, shape, "", errors)
    if errors:
        raise Reject(f"{where}: violates the wafv2 service model:\n" + "\n".join(errors))


def model_constraints(value, shape, path, errors):
    """max, pattern and enum traits of the service model (Smithy semantics: patterns are not
    anchored, \\w is ASCII as in Java)."""
    regex = need("regex")
    md = shape.metadata
    t = shape.type_name
    label = path or shape.name
    if t == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                model_constraints(v, shape.members[k], f"{path}.{k}" if path else k, errors)
    elif t == "list" and isinstance(value, list):
        if "max" in md and len(value) > md["max"]:
            errors.append(f"  {label}: {len(value)} items, the model allows at most {md['max']}")
        for i, item in enumerate(value):
            model_constraints(item, shape.member, f"{label}[{i}]", errors)
    elif t == "map" and isinstance(value, dict):
        for k, v in value.items():
            model_constraints(k, shape.key, f"{label} key", errors)
            model_constraints(v, shape.value, f"{label}[{k!r}]", errors)
    elif t == "string" and isinstance(value, str):
        if "max" in md and len(value) > md["max"]:
            errors.append(f"  {label}: {len(value)} characters, the model allows at most {md['max']}")
        if "pattern" in md and not regex.search(md["pattern"], value, flags=regex.ASCII):
            errors.append(f"  {label}: {value!r} does not match the model pattern {md['pattern']}")
        enum = shape.enum
        if enum and value not in enum:
            errors.append(f"  {label}: {value!r} is not one of {enum}")
    elif t in ("integer", "long") and is_int(value):
        if "max" in md and value > md["max"]:
            errors.append(f"  {label}: {value} is above the model maximum {md['max']}")


def aws_ipset_facts(name, scope, version, addresses, description, where):
    """The documented IP-set facts (see the module docstring)."""
    if name is not None and not (isinstance(name, str) and AWS_NAME_RE.fullmatch(name)):
        raise Reject(f"{where}: Name {name!r} must match ^[0-9A-Za-z_-]{{1,128}}$")
    if scope not in ("REGIONAL", "CLOUDFRONT"):
        raise Reject(f"{where}: Scope {scope!r} must be REGIONAL or CLOUDFRONT")
    if version not in ("IPV4", "IPV6"):
        raise Reject(f"{where}: IPAddressVersion {version!r} must be IPV4 or IPV6")
    if description is not None:
        if not isinstance(description, str):
            raise Reject(f"{where}: Description must be a literal string")
        shape = wafv2_model().operation_model("CreateIPSet").input_shape.members["Description"]
        errors = []
        model_constraints(description, shape, "Description", errors)
        if errors:
            raise Reject(f"{where}:\n" + "\n".join(errors))
    if not isinstance(addresses, list):
        raise Reject(f"{where}: Addresses must be a list")
    if len(addresses) > AWS_MAX_ADDRESSES:
        raise Reject(f"{where}: {len(addresses)} addresses; an AWS WAF IP set holds at most 10,000")
    want = 4 if version == "IPV4" else 6
    nets = []
    for i, a in enumerate(addresses):
        label = f"Addresses[{i}]"
        net = parse_net(a, f"{where}: {label}", require_prefix=True)
        if net.prefixlen == 0:
            raise Reject(f"{where}: {label} {a!r}: AWS WAF does not support /0")
        if net.version != want:
            raise Reject(
                f"{where}: {label} {a!r} is IPv{net.version} but IPAddressVersion is {version} "
                "(an IP set never mixes IPv4 and IPv6)"
            )
        nets.append((f"{label} {a!r}", net))
    no_duplicates(nets, where)


def aws_rules_facts(rules, where, arn_check=None):
    names, priorities = [], []
    for i, rule in enumerate(rules):
        w = f"{where}: rule {i}"
        names.append(rule.get("Name"))
        priorities.append(rule.get("Priority"))
        if rule.get("Action") != {"Block": {}}:
            raise Reject(f"{w}: Action must be {{\"Block\": {{}}}}, got {json.dumps(rule.get('Action'))}")
        stmt = rule.get("Statement")
        if not isinstance(stmt, dict) or list(stmt) != ["IPSetReferenceStatement"]:
            raise Reject(f"{w}: Statement must hold exactly one IPSetReferenceStatement")
        ref = stmt["IPSetReferenceStatement"]
        if not isinstance(ref, dict) or "Arn" not in ref and "ARN" not in ref:
            raise Reject(f"{w}: IPSetReferenceStatement needs an ARN")
        if arn_check:
            arn_check(ref.get("ARN", ref.get("Arn")), w)
    unique(names, "rule name", where)
    unique(priorities, "rule priority", where)


def export_files(path):
    """The files of a folder export, without netsleuth's marker and README (not for the consumer)."""
    return sorted(f for f in os.listdir(path) if f not in (".netsleuth-export", "README.txt"))


def check_aws_waf_cli(path):
    expect_dir(path)
    model = wafv2_model()
    ipset_shape = model.operation_model("CreateIPSet").input_shape
    rules_shape = model.operation_model("UpdateWebACL").input_shape.members["Rules"]
    files = export_files(path)
    others = [f for f in files if not f.endswith(".json")]
    if others:
        raise Reject(f"{path}: unexpected files (only *.json belong here): {others}")
    if "web-acl-rules.json" not in files:
        raise Reject(f"{path}: web-acl-rules.json is missing")
    ipset_files = [f for f in files if f != "web-acl-rules.json"]
    if not ipset_files:
        raise Reject(f"{path}: no IP-set *.json file")
    names = []
    for f in ipset_files:
        p = os.path.join(path, f)
        doc = load_json(p)
        if not isinstance(doc, dict):
            raise Reject(f"{p}: expected a JSON object (create-ip-set --cli-input-json)")
        botocore_validate(doc, ipset_shape, f"{p} (CreateIPSet input)")
        aws_ipset_facts(
            doc.get("Name"), doc.get("Scope"), doc.get("IPAddressVersion"), doc.get("Addresses"),
            doc.get("Description"), p,
        )
        names.append((doc.get("Name"), doc.get("Scope")))
    unique(names, "IP set (Name, Scope)", path)
    p = os.path.join(path, "web-acl-rules.json")
    rules = load_json(p)
    if not isinstance(rules, list) or not rules:
        raise Reject(f"{p}: expected a non-empty JSON array of WAFv2 Rule objects")
    botocore_validate(rules, rules_shape, f"{p} (UpdateWebACL Rules)")
    aws_rules_facts(rules, p)


def check_aws_waf_cloudformation(path):
    expect_file(path)
    if not path.endswith((".yaml", ".yml", ".json", ".template")):
        raise Reject(f"{path}: expected a .yaml or .json template")
    api = need("cfnlint.api")
    from pathlib import Path

    # cfn-lint's own runner, in process (the CLI would import it all a second time). Errors and
    # warnings fail: a generated template has no reason to carry either; informational
    # matches do not.
    matches = api.lint_file(Path(path))
    failing = [m for m in matches if m.rule.severity in ("error", "warning")]
    if failing:
        raise Reject("cfn-lint:\n" + "\n".join(
            f"{m.rule.id} {m.message}\n{m.filename}:{m.linenumber}:{m.columnnumber}" for m in failing
        ))
    decode = need("cfnlint.decode")
    template, matches = decode.decode(path)
    if matches or not isinstance(template, dict):
        raise Reject(f"{path}: cfn-lint could not decode the template: {matches}")
    resources = template.get("Resources") or {}
    ipsets = {k: v for k, v in resources.items() if v.get("Type") == "AWS::WAFv2::IPSet"}
    groups = {k: v for k, v in resources.items() if v.get("Type") == "AWS::WAFv2::RuleGroup"}
    if not ipsets:
        raise Reject(f"{path}: no AWS::WAFv2::IPSet resource")
    if not groups:
        raise Reject(f"{path}: no AWS::WAFv2::RuleGroup resource")
    for k, v in ipsets.items():
        props = v.get("Properties") or {}
        aws_ipset_facts(
            props.get("Name"), props.get("Scope"), props.get("IPAddressVersion"),
            props.get("Addresses"), props.get("Description"), f"{path}: {k}",
        )

    def arn_check(arn, where):
        target = None
        if isinstance(arn, dict) and list(arn) == ["Fn::GetAtt"]:
            ga = arn["Fn::GetAtt"]
            if isinstance(ga, str) and ga.endswith(".Arn"):
                target = ga[: -len(".Arn")]
            elif isinstance(ga, list) and len(ga) == 2 and ga[1] == "Arn":
                target = ga[0]
        if target is None:
            raise Reject(f"{where}: Arn must be !GetAtt <IPSet>.Arn, got {json.dumps(arn)}")
        if target not in ipsets:
            raise Reject(f"{where}: Arn refers to {target!r}, which is not an AWS::WAFv2::IPSet")

    for k, v in groups.items():
        rules = (v.get("Properties") or {}).get("Rules")
        if not isinstance(rules, list) or not rules:
            raise Reject(f"{path}: {k}: Rules must be a non-empty list")
        aws_rules_facts(rules, f"{path}: {k}", arn_check)


# -- Terraform


def tf_string(value, where):
    """A python-hcl2 value that must be a plain quoted string literal."""
    if not (isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"'):
        raise Reject(f"{where}: expected a quoted string literal, got {value!r}")
    inner = value[1:-1]
    if "${" in inner or "%{" in inner:
        raise Reject(f"{where}: string templates are not allowed here: {value}")
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise Reject(f"{where}: unsupported escape in {value}")


def tf_label(key):
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def tf_block(value, where, *, single=True):
    """Nested block(s) in python-hcl2's explicit-block form, as a list of bodies."""
    if isinstance(value, dict) and value.get("__is_block__"):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(b, dict) and b.get("__is_block__") for b in value):
        raise Reject(f"{where}: expected a block, got {value!r}")
    if single and len(value) != 1:
        raise Reject(f"{where}: expected exactly one block, got {len(value)}")
    return [{k: v for k, v in b.items() if k != "__is_block__"} for b in value]


def tf_keys(body, required, optional, where):
    keys = set(body)
    missing = sorted(set(required) - keys)
    extra = sorted(keys - set(required) - set(optional))
    if missing:
        raise Reject(f"{where}: missing {missing}")
    if extra:
        raise Reject(f"{where}: unexpected {extra}")


def tf_bool(value, where):
    if not isinstance(value, bool):
        raise Reject(f"{where}: expected true or false, got {value!r}")
    return value


def tf_visibility(value, where):
    (vc,) = tf_block(value, where)
    tf_keys(vc, ["cloudwatch_metrics_enabled", "metric_name", "sampled_requests_enabled"], [], where)
    tf_bool(vc["cloudwatch_metrics_enabled"], f"{where}.cloudwatch_metrics_enabled")
    tf_bool(vc["sampled_requests_enabled"], f"{where}.sampled_requests_enabled")
    metric = tf_string(vc["metric_name"], f"{where}.metric_name")
    shape = wafv2_model().shape_for("MetricName")
    errors = []
    model_constraints(metric, shape, f"{where}.metric_name", errors)
    if errors:
        raise Reject("\n".join(errors))


def check_aws_waf_terraform(path):
    expect_file(path)
    hcl2 = need("hcl2")
    from hcl2.utils import SerializationOptions

    text = read_text(path)
    try:
        doc = hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False))
    except Exception as e:  # lark's parse errors have no common base worth naming
        raise Reject(f"{path}: python-hcl2 cannot parse it: {type(e).__name__}: {e}")
    unexpected = sorted(set(doc) - {"resource", "terraform", "provider"})
    if unexpected:
        raise Reject(f"{path}: unexpected top-level blocks {unexpected}")
    ipsets, groups = {}, {}
    for entry in doc.get("resource", []):
        for rtype, named in entry.items():
            rtype = tf_label(rtype)
            for rname, body in named.items():
                rname = tf_label(rname)
                where = f"{path}: {rtype}.{rname}"
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", rname):
                    raise Reject(f"{where}: invalid resource name")
                body = tf_block(body, where)[0]
                if rtype == "aws_wafv2_ip_set":
                    bucket = ipsets
                elif rtype == "aws_wafv2_rule_group":
                    bucket = groups
                else:
                    raise Reject(f"{where}: unexpected resource type")
                if rname in bucket:
                    raise Reject(f"{where}: declared twice")
                bucket[rname] = (where, body)
    if not ipsets:
        raise Reject(f"{path}: no aws_wafv2_ip_set resource")
    if not groups:
        raise Reject(f"{path}: no aws_wafv2_rule_group resource")
    for rname, (where, body) in ipsets.items():
        tf_keys(body, ["name", "scope", "ip_address_version", "addresses"], ["description", "tags"], where)
        addresses = body["addresses"]
        if not isinstance(addresses, list):
            raise Reject(f"{where}.addresses: expected a list")
        addresses = [tf_string(a, f"{where}.addresses[{i}]") for i, a in enumerate(addresses)]
        if "tags" in body:
            tags = body["tags"]
            if not isinstance(tags, dict) or tags.get("__is_block__"):
                raise Reject(f"{where}.tags: expected a map (tags = {{ ... }})")
            for k, v in tags.items():
                tf_string(v, f"{where}.tags.{k}")
        aws_ipset_facts(
            tf_string(body["name"], f"{where}.name"),
            tf_string(body["scope"], f"{where}.scope"),
            tf_string(body["ip_address_version"], f"{where}.ip_address_version"),
            addresses,
            tf_string(body["description"], f"{where}.description") if "description" in body else None,
            where,
        )
    for rname, (where, body) in groups.items():
        tf_keys(body, ["name", "scope", "capacity", "visibility_config", "rule"], ["description", "tags"], where)
        name = tf_string(body["name"], f"{where}.name")
        if not AWS_NAME_RE.fullmatch(name):
            raise Reject(f"{where}.name {name!r} must match ^[0-9A-Za-z_-]{{1,128}}$")
        scope = tf_string(body["scope"], f"{where}.scope")
        if scope not in ("REGIONAL", "CLOUDFRONT"):
            raise Reject(f"{where}.scope {scope!r} must be REGIONAL or CLOUDFRONT")
        if not is_int(body["capacity"]) or body["capacity"] < 1:
            raise Reject(f"{where}.capacity must be a positive integer")
        tf_visibility(body["visibility_config"], f"{where}.visibility_config")
        names, priorities = [], []
        for i, rule in enumerate(tf_block(body["rule"], f"{where}.rule", single=False)):
            w = f"{where}.rule[{i}]"
            tf_keys(rule, ["name", "priority", "action", "statement", "visibility_config"], [], w)
            rule_name = tf_string(rule["name"], f"{w}.name")
            if not AWS_NAME_RE.fullmatch(rule_name):
                raise Reject(f"{w}.name {rule_name!r} must match ^[0-9A-Za-z_-]{{1,128}}$")
            names.append(rule_name)
            if not is_int(rule["priority"]) or rule["priority"] < 0:
                raise Reject(f"{w}.priority must be a non-negative integer")
            priorities.append(rule["priority"])
            (action,) = tf_block(rule["action"], f"{w}.action")
            tf_keys(action, ["block"], [], f"{w}.action")
            (block,) = tf_block(action["block"], f"{w}.action.block")
            if block:
                raise Reject(f"{w}.action.block must be empty")
            (stmt,) = tf_block(rule["statement"], f"{w}.statement")
            tf_keys(stmt, ["ip_set_reference_statement"], [], f"{w}.statement")
            (ref,) = tf_block(stmt["ip_set_reference_statement"], f"{w}.statement.ip_set_reference_statement")
            tf_keys(ref, ["arn"], [], f"{w}.statement.ip_set_reference_statement")
            m = re.fullmatch(r"\$\{aws_wafv2_ip_set\.([A-Za-z0-9_-]+)\.arn\}", str(ref["arn"]))
            if not m:
                raise Reject(f"{w}: arn must be aws_wafv2_ip_set.<name>.arn, got {ref['arn']!r}")
            if m.group(1) not in ipsets:
                raise Reject(f"{w}: arn refers to undeclared aws_wafv2_ip_set.{m.group(1)}")
            tf_visibility(rule["visibility_config"], f"{w}.visibility_config")
        unique(names, "rule name", where)
        unique(priorities, "rule priority", where)


# ---------------------------------------------------------------------------------------------
# Cloudflare

CF_MIN_PREFIX = {4: 8, 6: 12}
CF_MAX_COMMENT = 500
CF_MAX_EXPRESSION = 4096


def check_cloudflare_list(path):
    expect_file(path)
    items = load_json(path)
    if not isinstance(items, list) or not items:
        raise Reject(f"{path}: expected a non-empty JSON array of {{\"ip\", \"comment\"}} items")
    nets = []
    for i, item in enumerate(items):
        where = f"{path}: item {i}"
        if not isinstance(item, dict):
            raise Reject(f"{where}: expected an object")
        extra = sorted(set(item) - {"ip", "comment"})
        if extra:
            raise Reject(f"{where}: unexpected keys {extra} (only ip and comment)")
        if "ip" not in item:
            raise Reject(f"{where}: missing ip")
        net = parse_net(item["ip"], f"{where}: ip", min_prefix=CF_MIN_PREFIX)
        if "comment" in item:
            c = item["comment"]
            if not isinstance(c, str):
                raise Reject(f"{where}: comment must be a string")
            if len(c) > CF_MAX_COMMENT:
                raise Reject(f"{where}: comment is {len(c)} characters, at most {CF_MAX_COMMENT}")
        nets.append((f"item {i} {item['ip']!r}", net))
    no_duplicates(nets, path)


def check_cloudflare_csv(path):
    expect_file(path)
    nets = []
    for n, line in lines_of(path):
        where = f"{path}:{n}"
        if line == "":
            raise Reject(f"{where}: empty line")
        # Cloudflare documents "<IP>,<DESCRIPTION>" without saying how a description with a
        # comma or quote is escaped, so those are refused rather than guessed.
        fields = line.split(",", 1)
        if len(fields) == 2 and ('"' in fields[1] or "," in fields[1]):
            raise Reject(f"{where}: description contains ',' or '\"', which Cloudflare's CSV format does not define")
        if '"' in fields[0]:
            raise Reject(f"{where}: quoted IP field")
        try:
            net = parse_net(fields[0], where, min_prefix=CF_MIN_PREFIX)
        except Reject:
            if n == 1:
                raise Reject(
                    f"{where}: {fields[0]!r} is not an IP address; Cloudflare's documented CSV "
                    "format has no header row"
                )
            raise
        if len(fields) == 2 and len(fields[1]) > CF_MAX_COMMENT:
            raise Reject(f"{where}: description is {len(fields[1])} characters, at most {CF_MAX_COMMENT}")
        nets.append((f"line {n} {fields[0]!r}", net))
    if not nets:
        raise Reject(f"{path}: no items")
    no_duplicates(nets, path)


def check_cloudflare_expression(path):
    expect_file(path)
    rows = lines_of(path)
    if not rows:
        raise Reject(f"{path}: no expression")
    for n, line in rows:
        where = f"{path}:{n}"
        if len(line) > CF_MAX_EXPRESSION:
            raise Reject(f"{where}: expression is {len(line)} characters, Cloudflare allows 4,096")
        m = re.fullmatch(r"ip\.src in \{([^{}]*)\}", line)
        if not m:
            if line.count("{") != line.count("}"):
                raise Reject(f"{where}: unbalanced braces")
            raise Reject(f"{where}: expected exactly 'ip.src in {{ADDR ADDR ...}}', got {line[:80]!r}")
        inner = m.group(1)
        if inner == "" or inner != inner.strip() or "  " in inner:
            raise Reject(f"{where}: the set must hold addresses separated by single spaces")
        nets = []
        for tok in inner.split(" "):
            nets.append((repr(tok), parse_net(tok, where)))
        no_duplicates(nets, where)


# ---------------------------------------------------------------------------------------------
# Azure (msrest-generated models)

JSON_TYPES = {"str": str, "bool": bool, "int": int, "float": (int, float)}


def msrest_strict(raw, cls, models, where):
    """Rejects keys the model does not have, read-only keys and wrongly typed JSON values,
    which Model.deserialize would silently drop or coerce."""
    if not isinstance(raw, dict):
        raise Reject(f"{where}: expected an object for {cls.__name__}")
    by_key = {d["key"]: (attr, d["type"]) for attr, d in cls._attribute_map.items() if d["key"]}
    for key, value in raw.items():
        if key not in by_key:
            raise Reject(
                f"{where}: unknown key {key!r} for {cls.__name__}; known: {sorted(by_key)}"
            )
        attr, typ = by_key[key]
        if cls._validation.get(attr, {}).get("readonly"):
            raise Reject(f"{where}: {key!r} is read-only in {cls.__name__}")
        msrest_type(value, typ, models, f"{where}.{key}")


def msrest_type(value, typ, models, where):
    if typ.startswith("[") and typ.endswith("]"):
        if not isinstance(value, list):
            raise Reject(f"{where}: expected a list")
        for i, v in enumerate(value):
            msrest_type(v, typ[1:-1], models, f"{where}[{i}]")
    elif typ in JSON_TYPES:
        ok = isinstance(value, JSON_TYPES[typ]) and not (typ != "bool" and isinstance(value, bool))
        if not ok:
            raise Reject(f"{where}: expected {typ}, got {json.dumps(value)}")
    elif hasattr(models, typ):
        msrest_strict(value, getattr(models, typ), models, where)
    else:
        raise Reject(f"{where}: harness does not know the model type {typ!r}")


def msrest_validate(obj, where):
    """What msrest's Model.validate() did (the generated code vendored in these SDKs dropped
    it): required, length, range and pattern constraints from the model's _validation table."""
    errors = []
    for attr, rules in obj._validation.items():
        value = getattr(obj, attr, None)
        label = f"{type(obj).__name__}.{attr}"
        if rules.get("required") and value is None:
            errors.append(f"{label} is required")
        if value is None:
            continue
        if "max_length" in rules and len(value) > rules["max_length"]:
            errors.append(f"{label}: length {len(value)} > max_length {rules['max_length']}")
        if "min_length" in rules and len(value) < rules["min_length"]:
            errors.append(f"{label}: length {len(value)} < min_length {rules['min_length']}")
        if "max_items" in rules and len(value) > rules["max_items"]:
            errors.append(f"{label}: {len(value)} items > max_items {rules['max_items']}")
        if "min_items" in rules and len(value) < rules["min_items"]:
            errors.append(f"{label}: {len(value)} items < min_items {rules['min_items']}")
        if "maximum" in rules and value > rules["maximum"]:
            errors.append(f"{label}: {value} > maximum {rules['maximum']}")
        if "minimum" in rules and value < rules["minimum"]:
            errors.append(f"{label}: {value} < minimum {rules['minimum']}")
        if "pattern" in rules and not re.search(rules["pattern"], value):
            errors.append(f"{label}: {value!r} does not match {rules['pattern']}")
    for attr in obj._attribute_map:
        value = getattr(obj, attr, None)
        for v in value if isinstance(value, list) else [value]:
            if hasattr(v, "_validation"):
                msrest_validate(v, where)
    if errors:
        raise Reject(f"{where}: model validation failed: " + "; ".join(errors))


def azure_rules(path, models, rule_cls, max_rules):
    expect_file(path)
    rules = load_json(path)
    if not isinstance(rules, list) or not rules:
        raise Reject(f"{path}: expected a non-empty JSON array of custom rules")
    if len(rules) > max_rules:
        raise Reject(f"{path}: {len(rules)} custom rules; a WAF policy holds at most {max_rules}")
    out = []
    for i, raw in enumerate(rules):
        where = f"{path}: rule {i}"
        msrest_strict(raw, rule_cls, models, where)
        try:
            obj = rule_cls.deserialize(raw)
        except Exception as e:
            raise Reject(f"{where}: {rule_cls.__name__}.deserialize failed: {e}")
        msrest_validate(obj, where)
        out.append((where, raw, obj))
    unique([r.get("name") for r in rules], "rule name", path)
    unique([r.get("priority") for r in rules], "rule priority", path)
    return out


def azure_values(values, limit, where):
    if not isinstance(values, list) or not values:
        raise Reject(f"{where}: needs at least one value")
    if len(values) > limit:
        raise Reject(f"{where}: {len(values)} values; at most {limit} IP ranges per match condition")
    nets = [(repr(v), parse_net(v, where)) for v in values]
    no_duplicates(nets, where)


def enum_values(enum):
    return [e.value for e in enum]


def check_azure_waf_appgw(path):
    models = need("azure.mgmt.network.models")
    for where, raw, obj in azure_rules(path, models, models.WebApplicationFirewallCustomRule, 100):
        if not raw.get("name"):
            raise Reject(f"{where}: name is required")
        if not (is_int(obj.priority) and 1 <= obj.priority <= 100):
            raise Reject(f"{where}: priority {obj.priority} outside 1..100")
        if obj.rule_type != "MatchRule":
            raise Reject(f"{where}: ruleType must be MatchRule, got {obj.rule_type!r}")
        if obj.action not in enum_values(models.WebApplicationFirewallAction):
            raise Reject(f"{where}: action {obj.action!r} is not one of {enum_values(models.WebApplicationFirewallAction)}")
        if obj.action != "Block":
            raise Reject(f"{where}: action must be Block, got {obj.action!r}")
        if obj.state is not None and obj.state not in enum_values(models.WebApplicationFirewallState):
            raise Reject(f"{where}: state {obj.state!r} is not Enabled or Disabled")
        if not obj.match_conditions:
            raise Reject(f"{where}: needs a match condition")
        for j, mc in enumerate(raw["matchConditions"]):
            w = f"{where}: matchConditions[{j}]"
            if mc.get("matchVariables") != [{"variableName": "RemoteAddr"}]:
                raise Reject(f"{w}: matchVariables must be [{{\"variableName\": \"RemoteAddr\"}}]")
            if mc.get("operator") != "IPMatch":
                raise Reject(f"{w}: operator must be IPMatch, got {mc.get('operator')!r}")
            if mc.get("negationConditon", False) is not False:
                raise Reject(f"{w}: negationConditon must be false")
            if mc.get("transforms"):
                raise Reject(f"{w}: transforms are not used with IPMatch")
            azure_values(mc.get("matchValues"), 540, f"{w}.matchValues")


def check_azure_waf_frontdoor(path):
    models = need("azure.mgmt.frontdoor.models")
    for where, raw, obj in azure_rules(path, models, models.CustomRule, 100):
        if not raw.get("name"):
            raise Reject(f"{where}: name is required")
        if not (is_int(obj.priority) and obj.priority >= 0):
            raise Reject(f"{where}: priority must be a non-negative integer")
        if obj.rule_type != "MatchRule":
            raise Reject(f"{where}: ruleType must be MatchRule, got {obj.rule_type!r}")
        if obj.action not in enum_values(models.ActionType):
            raise Reject(f"{where}: action {obj.action!r} is not one of {enum_values(models.ActionType)}")
        if obj.action != "Block":
            raise Reject(f"{where}: action must be Block, got {obj.action!r}")
        if obj.enabled_state is not None and obj.enabled_state not in enum_values(models.CustomRuleEnabledState):
            raise Reject(f"{where}: enabledState {obj.enabled_state!r} is not Enabled or Disabled")
        conds = raw["matchConditions"]
        if not conds or len(conds) > 10:
            raise Reject(f"{where}: {len(conds)} match conditions; 1..10 allowed")
        for j, mc in enumerate(conds):
            w = f"{where}: matchConditions[{j}]"
            if mc.get("matchVariable") not in ("RemoteAddr", "SocketAddr"):
                raise Reject(f"{w}: matchVariable must be RemoteAddr or SocketAddr")
            if "selector" in mc:
                raise Reject(f"{w}: selector is not used with {mc['matchVariable']}")
            if mc.get("operator") != "IPMatch":
                raise Reject(f"{w}: operator must be IPMatch, got {mc.get('operator')!r}")
            if mc.get("negateCondition", False) is not False:
                raise Reject(f"{w}: negateCondition must be false")
            if mc.get("transforms"):
                raise Reject(f"{w}: transforms are not used with IPMatch")
            azure_values(mc.get("matchValue"), 600, f"{w}.matchValue")


# ---------------------------------------------------------------------------------------------
# Google Cloud Armor

ARMOR_DEFAULT_PRIORITY = 2147483647
ARMOR_MAX_RANGES = 10
GCE_NAME_RE = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
ARMOR_ACTIONS = {"deny(403)", "deny(404)", "deny(502)"}


def compute_types():
    """google.cloud.compute_v1's message types. Its package __init__ also builds every service
    client (seconds of start-up); the types module alone defines the same SecurityPolicy."""
    import importlib.util
    import types

    name = "google.cloud.compute_v1"
    if name not in sys.modules:
        try:
            spec = importlib.util.find_spec(name)
        except ImportError:
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise Missing(f"python module {name} is not available; {MISSING_HINT}")
        package = types.ModuleType(name)
        package.__path__ = list(spec.submodule_search_locations)
        package.__spec__ = spec
        sys.modules[name] = package
    return need(name + ".types.compute")


def armor_ranges(ranges, where):
    if not ranges:
        raise Reject(f"{where}: srcIpRanges is empty")
    if len(ranges) > ARMOR_MAX_RANGES:
        raise Reject(f"{where}: {len(ranges)} srcIpRanges; Cloud Armor allows at most 10 per rule")
    nets = [(repr(r), parse_net(r, where)) for r in ranges]
    no_duplicates(nets, where)


def armor_priorities(priorities, where):
    for p, w in priorities:
        if not (0 <= p <= ARMOR_DEFAULT_PRIORITY - 1):
            raise Reject(f"{w}: priority {p} outside 0..2147483646")
    unique([p for p, _ in priorities], "priority", where)


def check_cloud_armor(path):
    expect_file(path)
    if path.endswith(".sh"):
        return check_cloud_armor_sh(path)
    compute = compute_types()
    text = read_text(path)
    if path.endswith((".yaml", ".yml")):
        yaml = need("yaml")
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise Reject(f"{path}: invalid YAML: {e}")
        text = json.dumps(doc)
    elif not path.endswith(".json"):
        raise Reject(f"{path}: expected .json, .yaml or .sh")
    try:
        policy = compute.SecurityPolicy.from_json(text, ignore_unknown_fields=False)
    except Exception as e:
        raise Reject(f"{path}: SecurityPolicy.from_json: {e}")
    if not GCE_NAME_RE.fullmatch(policy.name or ""):
        raise Reject(f"{path}: name {policy.name!r} must match [a-z]([-a-z0-9]{{0,61}}[a-z0-9])?")
    defaults, priorities = [], []
    for i, rule in enumerate(policy.rules):
        where = f"{path}: rules[{i}]"
        for field in ("priority", "action", "match"):
            if field not in rule:
                raise Reject(f"{where}: {field} is missing")
        if not (rule.match and rule.match.versioned_expr == "SRC_IPS_V1"):
            raise Reject(f"{where}: match.versionedExpr must be SRC_IPS_V1")
        if rule.match.expr and rule.match.expr.expression:
            raise Reject(f"{where}: match.expr is not used with SRC_IPS_V1")
        ranges = list(rule.match.config.src_ip_ranges)
        if rule.priority == ARMOR_DEFAULT_PRIORITY:
            defaults.append(rule)
            if ranges != ["*"] or rule.action != "allow":
                raise Reject(f"{where}: the default rule must allow srcIpRanges ['*']")
            continue
        if rule.action not in ARMOR_ACTIONS:
            raise Reject(f"{where}: action {rule.action!r} is not one of {sorted(ARMOR_ACTIONS)}")
        armor_ranges(ranges, f"{where}.match.config.srcIpRanges")
        priorities.append((rule.priority, where))
    if len(defaults) != 1:
        raise Reject(f"{path}: needs exactly one default rule (priority 2147483647, allow '*')")
    if not priorities:
        raise Reject(f"{path}: no blocking rule")
    armor_priorities(priorities, path)


def gcloud_args(tokens, where, flags, switches=()):
    """Positional arguments and --flag values of a gcloud command line."""
    positional, values = [], {}
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.startswith("--"):
            name, eq, value = t[2:].partition("=")
            if name in switches and not eq:
                values[name] = True
            elif name in flags:
                if not eq:
                    i += 1
                    if i == len(tokens):
                        raise Reject(f"{where}: --{name} needs a value")
                    value = tokens[i]
                if name in values:
                    raise Reject(f"{where}: --{name} given twice")
                values[name] = value
            else:
                raise Reject(f"{where}: unexpected flag --{name}")
        else:
            positional.append(t)
        i += 1
    return positional, values


def check_cloud_armor_sh(path):
    proc = subprocess.run(["bash", "-n", path], capture_output=True, text=True)
    if proc.returncode:
        raise Reject(f"bash -n {path}:\n{proc.stderr}".rstrip())
    text = read_text(path).replace("\\\n", " ")
    policies, priorities, used = set(), [], set()
    for n, line in enumerate(text.split("\n"), 1):
        where = f"{path}: command {n}"
        s = line.strip()
        if not s or s.startswith("#") or re.fullmatch(r"set -[euxo]+( pipefail)?", s):
            continue
        try:
            tokens = shlex.split(s, comments=True)
        except ValueError as e:
            raise Reject(f"{where}: {e}")
        if tokens[:3] != ["gcloud", "compute", "security-policies"]:
            raise Reject(f"{where}: only gcloud compute security-policies commands belong here: {s[:80]!r}")
        if tokens[3:5] == ["rules", "create"]:
            pos, v = gcloud_args(
                tokens[5:], where,
                {"security-policy", "src-ip-ranges", "action", "description", "project"}, {"preview"},
            )
            if len(pos) != 1 or not re.fullmatch(r"0|[1-9][0-9]*", pos[0]):
                raise Reject(f"{where}: expected one PRIORITY argument, got {pos}")
            for f in ("security-policy", "src-ip-ranges", "action"):
                if f not in v:
                    raise Reject(f"{where}: --{f} is required")
            if v["action"] not in ("deny-403", "deny-404", "deny-502"):
                raise Reject(f"{where}: --action {v['action']!r} is not deny-403, deny-404 or deny-502")
            armor_ranges(v["src-ip-ranges"].split(","), f"{where}: --src-ip-ranges")
            priorities.append((int(pos[0]), where))
            used.add(v["security-policy"])
        elif tokens[3:4] == ["create"]:
            pos, v = gcloud_args(tokens[4:], where, {"description", "type", "project"})
            if len(pos) != 1 or not GCE_NAME_RE.fullmatch(pos[0]):
                raise Reject(f"{where}: expected one valid policy NAME, got {pos}")
            policies.add(pos[0])
        else:
            raise Reject(f"{where}: unexpected gcloud command {' '.join(tokens[:5])!r}")
    if not priorities:
        raise Reject(f"{path}: no 'gcloud compute security-policies rules create' command")
    for name in used:
        if not GCE_NAME_RE.fullmatch(name):
            raise Reject(f"{path}: --security-policy {name!r} is not a valid policy name")
        if policies and name not in policies:
            raise Reject(f"{path}: rules target {name!r}, but the script creates {sorted(policies)}")
    armor_priorities(priorities, path)


# ---------------------------------------------------------------------------------------------
# CrowdSec

GO_DURATION_RE = re.compile(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
CROWDSEC_KEYS = {"value", "scope", "type", "duration", "reason"}


def go_duration(text):
    """Whether Go's time.ParseDuration accepts text as a positive duration."""
    if not isinstance(text, str) or not text:
        return False
    pos, total = 0, 0.0
    scale = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    while pos < len(text):
        m = GO_DURATION_RE.match(text, pos)
        if not m:
            return False
        total += float(m.group(1)) * scale[m.group(3)]
        pos = m.end()
    return total > 0


def check_crowdsec(path):
    expect_file(path)
    if not path.endswith(".json"):
        raise Reject(f"{path}: cscli decisions import picks the format from the extension: use .json")
    items = load_json(path)
    if not isinstance(items, list) or not items:
        raise Reject(f"{path}: expected a non-empty JSON array (cscli says 'no decisions found' otherwise)")
    nets = []
    for i, d in enumerate(items):
        where = f"{path}: item {i}"
        if not isinstance(d, dict):
            raise Reject(f"{where}: expected an object")
        extra = sorted(set(d) - CROWDSEC_KEYS)
        if extra:
            hint = " (cscli ignores it and always sets origin cscli-import)" if "origin" in extra else ""
            raise Reject(f"{where}: keys {extra} are not read by cscli decisions import{hint}; "
                         f"it reads {sorted(CROWDSEC_KEYS)}")
        for k, v in d.items():
            if not isinstance(v, str):
                raise Reject(f"{where}: {k} must be a string")
        if not d.get("value"):
            raise Reject(f"{where}: missing 'value'")
        scope = d.get("scope", "Ip")
        if scope not in ("Ip", "Range"):
            raise Reject(f"{where}: scope {scope!r} must be Ip or Range")
        if d.get("type", "ban") != "ban":
            raise Reject(f"{where}: type must be ban")
        if "duration" in d and not go_duration(d["duration"]):
            raise Reject(f"{where}: duration {d['duration']!r} is not a positive Go duration (e.g. 24h, 90m, 1h30m)")
        if "reason" in d and not d["reason"].strip():
            raise Reject(f"{where}: reason is empty")
        value = d["value"]
        if scope == "Ip" and "/" in value:
            raise Reject(f"{where}: scope Ip takes one address; use scope Range for {value!r}")
        if scope == "Range" and "/" not in value:
            raise Reject(f"{where}: scope Range takes a CIDR, got {value!r}")
        nets.append((f"item {i} {value!r}", parse_net(value, where)))
    no_duplicates(nets, path)


# ---------------------------------------------------------------------------------------------
# Plain exports


def check_txt(path):
    expect_file(path)
    nets = []
    for n, line in lines_of(path):
        nets.append((f"line {n}", parse_net(line, f"{path}:{n}")))
    if not nets:
        raise Reject(f"{path}: no addresses")
    no_duplicates(nets, path)


CSV_HEADER = ["address", "action", "reason", "confidence", "origin", "added_at", "expires_at", "note", "direction"]


def check_csv(path):
    expect_file(path)
    rows = list(csv.reader(io.StringIO(read_text(path), newline="")))
    if not rows or rows[0] != CSV_HEADER:
        raise Reject(f"{path}: header must be {','.join(CSV_HEADER)}, got {rows[0] if rows else 'nothing'}")
    nets = []
    for n, row in enumerate(rows[1:], 2):
        if len(row) != len(CSV_HEADER):
            raise Reject(f"{path}: row {n} has {len(row)} fields, the header has {len(CSV_HEADER)}")
        if row[8] not in ("inbound", "outbound", "both"):
            raise Reject(f"{path}: row {n} direction must be inbound, outbound or both, got {row[8]!r}")
        nets.append((f"row {n}", parse_net(row[0], f"{path}: row {n} address")))
    no_duplicates(nets, path)


# ---------------------------------------------------------------------------------------------
# Static part of the formats whose consumer tests/validators/check runs itself


def comment_or_blank(line):
    s = line.strip()
    return s == "" or s.startswith("#")


def check_nginx(path):
    expect_file(path)
    nets = []
    for n, line in lines_of(path):
        if comment_or_blank(line):
            continue
        m = re.fullmatch(r"\s*deny\s+([^\s;#]+)\s*;\s*(#.*)?", line)
        if not m:
            raise Reject(f"{path}:{n}: expected 'deny ADDR;', got {line!r}")
        nets.append((f"line {n}", parse_net(m.group(1), f"{path}:{n}")))
    if not nets:
        raise Reject(f"{path}: no deny line")
    no_duplicates(nets, path)


def check_nginx_geo(path):
    expect_file(path)
    body = [(n, l.strip()) for n, l in lines_of(path) if not comment_or_blank(l)]
    if not body or not re.fullmatch(r"geo \$[A-Za-z0-9_]+ \{", body[0][1]):
        raise Reject(f"{path}: must start with 'geo $VARIABLE {{'")
    if body[-1][1] != "}" or len(body) < 3:
        raise Reject(f"{path}: the geo block must end with a closing '}}' line")
    defaults, nets = 0, []
    for n, line in body[1:-1]:
        if line == "default 0;":
            defaults += 1
            continue
        m = re.fullmatch(r"([^\s;]+)\s+1;", line)
        if not m:
            raise Reject(f"{path}:{n}: expected 'ADDR 1;' or 'default 0;', got {line!r}")
        nets.append((f"line {n}", parse_net(m.group(1), f"{path}:{n}")))
    if defaults != 1:
        raise Reject(f"{path}: needs exactly one 'default 0;'")
    if not nets:
        raise Reject(f"{path}: no address")
    no_duplicates(nets, path)


def check_apache(path):
    expect_file(path)
    body = [(n, l.strip()) for n, l in lines_of(path) if not comment_or_blank(l)]
    if len(body) < 4 or body[0][1] != "<RequireAll>" or body[-1][1] != "</RequireAll>":
        raise Reject(f"{path}: expected <RequireAll> ... </RequireAll>")
    if body[1][1] != "Require all granted":
        raise Reject(f"{path}:{body[1][0]}: the first directive must be 'Require all granted'")
    nets = []
    for n, line in body[2:-1]:
        toks = line.split()
        if toks[:3] != ["Require", "not", "ip"] or len(toks) < 4:
            raise Reject(f"{path}:{n}: expected 'Require not ip ADDR ...', got {line[:80]!r}")
        for t in toks[3:]:
            # Apache would also take partial addresses such as "192.0.2" as prefixes; refused.
            nets.append((f"line {n} {t!r}", parse_net(t, f"{path}:{n}")))
    no_duplicates(nets, path)


MODSEC_ACTIONS = {"id", "phase", "deny", "status", "log", "nolog", "msg", "tag", "t", "severity",
                  "rev", "ver", "auditlog", "noauditlog", "logdata"}


def modsec_actions(text, where):
    """Splits a SecRule action list on commas outside single quotes."""
    parts, cur, quoted = [], "", False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if quoted:
        raise Reject(f"{where}: unbalanced single quote in actions")
    parts.append(cur)
    actions = {}
    for p in parts:
        name, colon, value = p.partition(":")
        if name not in MODSEC_ACTIONS:
            raise Reject(f"{where}: unexpected action {p!r}")
        if value.startswith("'"):
            if not value.endswith("'") or len(value) < 2 or "'" in value[1:-1]:
                raise Reject(f"{where}: quoted value of {name} must not contain single quotes")
        if name in actions:
            raise Reject(f"{where}: action {name} given twice")
        actions[name] = value
    for required, value in (("id", None), ("phase", "1"), ("deny", ""), ("status", "403")):
        if required not in actions or value is not None and actions[required] != value:
            raise Reject(f"{where}: needs {required}{':' + value if value else ''}")
    if not re.fullmatch(r"[1-9][0-9]*", actions["id"]) or not 1 <= int(actions["id"]) <= 99999:
        raise Reject(f"{where}: id {actions['id']!r} must be in 1..99999 (the range reserved for local rules)")
    return int(actions["id"])


def modsec_rules(path, operator):
    """SecRule lines of a .conf; returns (ids, operator arguments)."""
    ids, args = [], []
    for n, line in lines_of(path):
        if comment_or_blank(line):
            continue
        where = f"{path}:{n}"
        m = re.fullmatch(r'SecRule REMOTE_ADDR "@' + operator + r' ([^"\s]+)" "([^"]+)"', line.strip())
        if not m:
            raise Reject(f"{where}: expected SecRule REMOTE_ADDR \"@{operator} ...\" \"id:N,phase:1,deny,status:403,...\"")
        ids.append((modsec_actions(m.group(2), where), where))
        args.append((m.group(1), where))
    if not ids:
        raise Reject(f"{path}: no SecRule")
    return ids, args


def check_modsecurity(path):
    expect_file(path)
    ids, args = modsec_rules(path, "ipMatch")
    unique([i for i, _ in ids], "rule id", path)
    nets = []
    for arg, where in args:
        for t in arg.split(","):
            nets.append((f"{where} {t!r}", parse_net(t, where)))
    no_duplicates(nets, path)


def check_modsecurity_file(path):
    expect_dir(path)
    files = export_files(path)
    confs = [f for f in files if f.endswith(".conf")]
    if not confs:
        raise Reject(f"{path}: no .conf file")
    all_ids, data = [], {}
    for c in confs:
        ids, args = modsec_rules(os.path.join(path, c), "ipMatchFromFile")
        all_ids += ids
        for name, where in args:
            # Relative names resolve against the folder of the .conf (see module docstring).
            if name.startswith("/") or ".." in name.split("/") or "/" in name:
                raise Reject(f"{where}: {name!r} must be a plain file name next to the .conf")
            data.setdefault(name, where)
    unique([i for i, _ in all_ids], "rule id", path)
    unreferenced = sorted(set(files) - set(confs) - set(data))
    if unreferenced:
        raise Reject(f"{path}: files no rule refers to: {unreferenced}")
    nets = []
    for name, where in data.items():
        p = os.path.join(path, name)
        if not os.path.isfile(p):
            raise Reject(f"{where}: data file {name} is missing")
        for n, line in lines_of(p):
            if comment_or_blank(line):
                continue
            # ModSecurity itself would cut the line at the first odd character and go on.
            nets.append((f"{name}:{n}", parse_net(line, f"{p}:{n}")))
    no_duplicates(nets, path)


def check_haproxy(path):
    expect_file(path)
    nets = []
    for n, line in lines_of(path):
        if line == "" or line.lstrip().startswith("#"):
            continue
        # HAProxy takes the whole line as the pattern: no trailing comments or blanks.
        nets.append((f"line {n}", parse_net(line, f"{path}:{n}")))
    if not nets:
        raise Reject(f"{path}: no address")
    no_duplicates(nets, path)


IPSET_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,31}")


def check_ipset(path):
    expect_dir(path)
    wanted = ["netsleuth.ipset", "netsleuth.rules.v4", "netsleuth.rules.v6"]
    files = export_files(path)
    if files != wanted:
        raise Reject(f"{path}: expected exactly {wanted}, found {files}")
    p = os.path.join(path, "netsleuth.ipset")
    sets, nets = {}, []
    for n, line in lines_of(p):
        if comment_or_blank(line):
            continue
        where = f"{p}:{n}"
        m = re.fullmatch(r"create (\S+) hash:net((?: \S+)*)", line)
        if m:
            name, opts = m.group(1), m.group(2).split()
            if not IPSET_NAME_RE.fullmatch(name):
                raise Reject(f"{where}: set name {name!r} must be 1..31 of [A-Za-z0-9_.-]")
            if name in sets:
                raise Reject(f"{where}: set {name} created twice")
            family, comment, i = None, False, 0
            while i < len(opts):
                o = opts[i]
                if o in ("family", "hashsize", "maxelem") and i + 1 < len(opts):
                    v = opts[i + 1]
                    if o == "family":
                        if v not in ("inet", "inet6"):
                            raise Reject(f"{where}: family {v!r} must be inet or inet6")
                        family = v
                    elif not re.fullmatch(r"[1-9][0-9]*", v):
                        raise Reject(f"{where}: {o} {v!r} must be a positive integer")
                    i += 2
                    continue
                if o == "comment":
                    comment = True
                elif o != "-exist":
                    raise Reject(f"{where}: unexpected create option {o!r}")
                i += 1
            if family is None:
                raise Reject(f"{where}: family inet or inet6 is required")
            sets[name] = {"family": family, "comment": comment}
            continue
        m = re.fullmatch(r"flush (\S+)", line)
        if m:
            if m.group(1) not in sets:
                raise Reject(f"{where}: set {m.group(1)} is flushed before it is created")
            continue
        m = re.fullmatch(r"swap (\S+) (\S+)", line)
        if m:
            a, b = m.group(1), m.group(2)
            if a not in sets or b not in sets:
                raise Reject(f"{where}: swap of a set that is not created")
            if sets[a]["family"] != sets[b]["family"]:
                raise Reject(f"{where}: swap of sets of different families")
            for label_i, (label, net, s_name) in enumerate(nets):
                if s_name in (a, b):
                    nets[label_i] = (label, net, b if s_name == a else a)
            continue
        m = re.fullmatch(r"destroy (\S+)", line)
        if m:
            if m.group(1) not in sets:
                raise Reject(f"{where}: destroy of a set that is not created")
            del sets[m.group(1)]
            nets = [x for x in nets if x[2] != m.group(1)]
            continue
        m = re.fullmatch(r'add (\S+) (\S+)(?: comment "([^"]*)")?( -exist)?', line)
        if not m:
            raise Reject(f"{where}: expected 'create NAME hash:net ...' or 'add NAME ADDR [comment \"...\"]', got {line!r}")
        name, addr, comment = m.group(1), m.group(2), m.group(3)
        if name not in sets:
            raise Reject(f"{where}: set {name} is added to before it is created")
        version = 4 if sets[name]["family"] == "inet" else 6
        net = parse_net(addr, where, versions=(version,))
        if comment is not None:
            if not sets[name]["comment"]:
                raise Reject(f"{where}: set {name} was created without the comment extension")
            if len(comment) > 255:
                raise Reject(f"{where}: comment is {len(comment)} characters, ipset allows 255")
            if "\\" in comment:
                raise Reject(f"{where}: ipset comments cannot hold a backslash or a quote")
        nets.append((f"line {n}", net, name))
    if not sets:
        raise Reject(f"{p}: no set is created")
    for name in sets:
        no_duplicates([(label, net) for label, net, s in nets if s == name], f"{p}: set {name}")
    for rules, family in (("netsleuth.rules.v4", "inet"), ("netsleuth.rules.v6", "inet6")):
        rp = os.path.join(path, rules)
        body = [(n, l) for n, l in lines_of(rp) if not comment_or_blank(l)]
        if len(body) < 3 or body[0][1] != "*filter" or body[-1][1] != "COMMIT":
            raise Reject(f"{rp}: expected *filter, rules, COMMIT")
        for n, line in body[1:-1]:
            m = re.fullmatch(r"-[IA] (INPUT|FORWARD|OUTPUT) -m set --match-set (\S+) (src|dst) -j (DROP|REJECT)", line)
            if not m:
                raise Reject(f"{rp}:{n}: expected '-I INPUT -m set --match-set NAME src -j DROP' or '-I OUTPUT -m set --match-set NAME dst -j DROP', got {line!r}")
            if (m.group(1), m.group(3)) in (("INPUT", "dst"), ("OUTPUT", "src")):
                raise Reject(f"{rp}:{n}: {m.group(1)} matching the set as {m.group(3)} blocks the host's own address, not the listed ones")
            name = m.group(2)
            if name not in sets:
                raise Reject(f"{rp}:{n}: set {name} is not created in netsleuth.ipset")
            if sets[name]["family"] != family:
                raise Reject(f"{rp}:{n}: set {name} is family {sets[name]['family']}, this file needs {family}")


def strip_hash_comments(text):
    """Drops '#' comments outside double-quoted strings."""
    out = []
    for line in text.split("\n"):
        quoted = False
        for i, ch in enumerate(line):
            if ch == '"':
                quoted = not quoted
            elif ch == "#" and not quoted:
                line = line[:i]
                break
        out.append(line)
    return "\n".join(out)


def nft_elements(text, where):
    """(set name, set type, [(element text, comment or None)]) for each set with elements."""
    out = []
    for m in re.finditer(r"\bset\s+(\S+)\s*\{", text):
        start = m.end()
        depth, i = 1, start
        while i < len(text) and depth:
            if text[i] == '"':
                j = text.find('"', i + 1)
                if j < 0:
                    raise Reject(f"{where}: unterminated string")
                i = j
            elif text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        body = text[start : i - 1]
        tm = re.search(r"\btype\s+(\w+)", body)
        em = re.search(r"\belements\s*=\s*\{", body)
        if not em:
            out.append((m.group(1), tm.group(1) if tm else None, []))
            continue
        elems, cur, k = [], "", em.end()
        while k < len(body) and body[k] != "}":
            ch = body[k]
            if ch == '"':
                j = body.find('"', k + 1)
                cur += body[k : j + 1]
                k = j + 1
                continue
            if ch == ",":
                elems.append(cur)
                cur = ""
            else:
                cur += ch
            k += 1
        elems.append(cur)
        parsed = []
        for e in elems:
            e = e.strip()
            em2 = re.fullmatch(r'(\S+)(?:\s+comment\s+"([^"]*)")?', e)
            if not em2:
                raise Reject(f"{where}: set {m.group(1)}: cannot read element {e!r}")
            parsed.append((em2.group(1), em2.group(2)))
        out.append((m.group(1), tm.group(1) if tm else None, parsed))
    return out


def check_nftables(path):
    expect_file(path)
    text = read_text(path)
    if re.search(r"^\s*include\b", text, re.M):
        raise Reject(f"{path}: include statements are not allowed in an export")
    sets = nft_elements(strip_hash_comments(text), path)
    if not sets:
        raise Reject(f"{path}: no set")
    for name, typ, elems in sets:
        where = f"{path}: set {name}"
        versions = {"ipv4_addr": (4,), "ipv6_addr": (6,)}.get(typ)
        if versions is None:
            raise Reject(f"{where}: type must be ipv4_addr or ipv6_addr, got {typ!r}")
        nets = []
        for addr, comment in elems:
            nets.append((repr(addr), parse_net(addr, where, versions=versions)))
            if comment is not None and len(comment.encode()) > 128:
                raise Reject(f"{where}: comment on {addr} is {len(comment.encode())} bytes, nft allows 128")
        no_duplicates(nets, where)
        no_overlaps(nets, where)


# ---------------------------------------------------------------------------------------------
# Domain exports: the static part after the native consumer (named-checkzone, unbound-checkconf,
# dnsmasq --test, glibc's hosts lookup, squid -k parse), which all let through names that are
# not host names (spaces split into two names by Squid, "a..b" by dnsmasq, "bad name." by
# Unbound), duplicates and entries a parent already covers.

LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def domain_name(text, where):
    """A host name as netsleuth writes it: lowercase letters, digits and inner hyphens in
    labels of 1 to 63, at most 253 characters, a last label not all digits, A-labels (xn--)
    that decode as punycode."""
    if len(text) > 253:
        raise Reject(f"{where}: {text[:60]!r}... is {len(text)} characters, a name has at most 253")
    labels = text.split(".")
    for label in labels:
        if not LABEL_RE.fullmatch(label):
            raise Reject(f"{where}: {text!r}: label {label!r} is not 1 to 63 lowercase letters, "
                         "digits and inner hyphens")
        if label.startswith("xn--"):
            try:
                label[4:].encode("ascii").decode("punycode")
            except UnicodeError as e:
                raise Reject(f"{where}: {text!r}: {label!r} is not valid punycode ({e})")
    if labels[-1].isdigit():
        raise Reject(f"{where}: {text!r} ends in an all-digit label (an address?)")
    if len(labels) < 2:
        raise Reject(f"{where}: {text!r} is a top-level domain")
    return text


def no_duplicate_names(names, where):
    seen = {}
    for label, name in names:
        if name in seen:
            raise Reject(f"{where}: {label} repeats {name} (first at {seen[name]})")
        seen[name] = label


def netsleuth_header(path, comment):
    first = read_text(path).split("\n", 1)[0]
    if not (first.startswith(comment + " Domain blocklist as ") and "written by netsleuth" in first):
        raise Reject(f"{path}: the first line is not netsleuth's header comment")


def check_rpz(path):
    """A response policy zone: $TTL, $ORIGIN, one SOA and NS at the apex, then per name
    'NAME CNAME .' or a sinkhole 'NAME A|AAAA ADDR', each also under '*.NAME'."""
    expect_file(path)
    netsleuth_header(path, ";")
    origin, soa, ns, owners = None, 0, 0, []
    for n, line in lines_of(path):
        where = f"{path}:{n}"
        s = line.strip()
        if s == "" or s.startswith(";"):
            continue
        if m := re.fullmatch(r"\$TTL (\d+)", s):
            continue
        if m := re.fullmatch(r"\$ORIGIN ([a-z0-9.-]+)\.", s):
            origin = domain_name(m.group(1), where)
            continue
        if re.fullmatch(r"@ IN SOA localhost\. hostmaster\.localhost\. \d+ \d+ \d+ \d+ \d+", s):
            soa += 1
            continue
        if s == "@ IN NS localhost.":
            ns += 1
            continue
        if origin is None:
            raise Reject(f"{where}: a record before $ORIGIN")
        m = re.fullmatch(r"(\*\.)?(\S+) (CNAME \.|A (\S+)|AAAA (\S+))", s)
        if not m:
            raise Reject(f"{where}: expected 'NAME CNAME .', 'NAME A ADDR' or 'NAME AAAA ADDR', got {s!r}")
        name = domain_name(m.group(2), where)
        if len(name) + (2 if m.group(1) else 0) + 1 + len(origin) > 253:
            raise Reject(f"{where}: {name!r} under {origin!r} is longer than a name may be")
        if m.group(4):
            parse_net(m.group(4), where, versions=(4,))
        if m.group(5):
            parse_net(m.group(5), where, versions=(6,))
        owners.append((f"line {n}", (m.group(1) or "") + name))
    if origin is None or soa != 1 or ns != 1:
        raise Reject(f"{path}: needs $ORIGIN and exactly one SOA and one NS record at the apex")
    if not owners:
        raise Reject(f"{path}: no policy record")
    no_duplicate_names(owners, path)


def check_unbound(path):
    """A server: clause of local-zone lines (always_nxdomain, or redirect followed by its
    local-data answer)."""
    expect_file(path)
    netsleuth_header(path, "#")
    body = [(n, l.strip()) for n, l in lines_of(path) if not comment_or_blank(l)]
    if not body or body[0][1] != "server:":
        raise Reject(f"{path}: must start with a 'server:' clause")
    zones, redirect = [], None
    for n, line in body[1:]:
        where = f"{path}:{n}"
        if m := re.fullmatch(r'local-zone: "([a-z0-9.-]+)\." (always_nxdomain|redirect)', line):
            if redirect is not None:
                raise Reject(f"{where}: the redirect zone {redirect!r} has no local-data answer")
            zones.append((f"line {n}", domain_name(m.group(1), where)))
            redirect = m.group(1) if m.group(2) == "redirect" else None
            continue
        if m := re.fullmatch(r'local-data: "([a-z0-9.-]+)\. (A|AAAA) (\S+)"', line):
            if m.group(1) != redirect:
                raise Reject(f"{where}: local-data for {m.group(1)!r} outside its redirect zone")
            parse_net(m.group(3), where, versions=(4,) if m.group(2) == "A" else (6,))
            redirect = None
            continue
        raise Reject(f"{where}: expected a local-zone or local-data line, got {line!r}")
    if redirect is not None:
        raise Reject(f"{path}: the redirect zone {redirect!r} has no local-data answer")
    if not zones:
        raise Reject(f"{path}: no local-zone")
    no_duplicate_names(zones, path)


def check_dnsmasq(path):
    """address=/NAME/ (NXDOMAIN) or address=/NAME/ADDR followed by local=/NAME/; comments on
    lines of their own (dnsmasq reads '#' as a comment only at the start of a line)."""
    expect_file(path)
    netsleuth_header(path, "#")
    names, sinkhole = [], None
    for n, line in lines_of(path):
        where = f"{path}:{n}"
        if line == "" or line.startswith("#"):
            continue
        if m := re.fullmatch(r"address=/([^/]+)/(\S*)", line):
            if sinkhole is not None:
                raise Reject(f"{where}: the sinkhole of {sinkhole!r} lacks its local=/{sinkhole}/ line")
            names.append((f"line {n}", domain_name(m.group(1), where)))
            if m.group(2):
                parse_net(m.group(2), where)
                sinkhole = m.group(1)
            continue
        if m := re.fullmatch(r"local=/([^/]+)/", line):
            if m.group(1) != sinkhole:
                raise Reject(f"{where}: local=/{m.group(1)}/ follows no sinkhole address of that name")
            sinkhole = None
            continue
        raise Reject(f"{where}: expected 'address=/NAME/[ADDR]' or 'local=/NAME/', got {line!r}")
    if sinkhole is not None:
        raise Reject(f"{path}: the sinkhole of {sinkhole!r} lacks its local=/{sinkhole}/ line")
    if not names:
        raise Reject(f"{path}: no address line")
    no_duplicate_names(names, path)


def check_hosts(path):
    """'ADDR NAME' lines, each name once per address family: a name listed for one family
    only is looked up in DNS for the other."""
    expect_file(path)
    netsleuth_header(path, "#")
    families = {}
    for n, line in lines_of(path):
        where = f"{path}:{n}"
        if line == "" or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\S+) (\S+)", line)
        if not m:
            raise Reject(f"{where}: expected 'ADDR NAME', got {line!r}")
        version = parse_net(m.group(1), where).version
        name = domain_name(m.group(2), where)
        seen = families.setdefault(name, set())
        if version in seen:
            raise Reject(f"{where}: {name!r} has a second IPv{version} line")
        seen.add(version)
    if not families:
        raise Reject(f"{path}: no name")
    for name, seen in families.items():
        if seen != {4, 6}:
            missing = ({4, 6} - seen).pop()
            raise Reject(f"{path}: {name!r} has no IPv{missing} line: its IPv{missing} lookups go to DNS")


def check_squid(path):
    """One dstdomain per line ('.NAME' with subdomains); Squid only warns about a name that a
    listed '.PARENT' covers, and drops one of them."""
    expect_file(path)
    netsleuth_header(path, "#")
    names = []
    for n, line in lines_of(path):
        if line == "" or line.startswith("#"):
            continue
        dot = line.startswith(".")
        names.append((f"line {n}", dot, domain_name(line[1:] if dot else line, f"{path}:{n}")))
    if not names:
        raise Reject(f"{path}: no name")
    no_duplicate_names([(label, name) for label, _, name in names], path)
    wide = {name: label for label, dot, name in names if dot}
    for label, _, name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[i:])
            if parent in wide:
                raise Reject(f"{path}: {label} ({name}) is covered by .{parent} ({wide[parent]})")


CHECKS = {
    "aws-waf-cli": check_aws_waf_cli,
    "aws-waf-cloudformation": check_aws_waf_cloudformation,
    "aws-waf-terraform": check_aws_waf_terraform,
    "cloudflare-list": check_cloudflare_list,
    "cloudflare-csv": check_cloudflare_csv,
    "cloudflare-expression": check_cloudflare_expression,
    "azure-waf-appgw": check_azure_waf_appgw,
    "azure-waf-frontdoor": check_azure_waf_frontdoor,
    "cloud-armor": check_cloud_armor,
    "crowdsec": check_crowdsec,
    "txt": check_txt,
    "csv": check_csv,
    "nginx": check_nginx,
    "nginx-geo": check_nginx_geo,
    "apache": check_apache,
    "modsecurity": check_modsecurity,
    "modsecurity-file": check_modsecurity_file,
    "haproxy": check_haproxy,
    "ipset": check_ipset,
    "nftables": check_nftables,
    "rpz": check_rpz,
    "unbound": check_unbound,
    "dnsmasq": check_dnsmasq,
    "hosts": check_hosts,
    "squid": check_squid,
}


def main(argv):
    if len(argv) != 3 or argv[1] not in CHECKS:
        print(f"usage: {argv[0]} FORMAT PATH\nformats: {' '.join(CHECKS)}", file=sys.stderr)
        return 2
    fmt, path = argv[1], argv[2]
    if not os.path.exists(path):
        print(f"{fmt}: {path}: no such file or folder", file=sys.stderr)
        return 2
    try:
        CHECKS[fmt](os.path.abspath(path))
    except Reject as e:
        print(f"{fmt}: rejected: {e}", file=sys.stderr)
        return 1
    except Missing as e:
        print(f"{fmt}: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
