//! AWS VPC flow logs (versions 2 to 8, default or custom field order) and transit gateway flow
//! logs, space separated. A header line (`version account-id ...`, as S3 delivery writes it,
//! repeated or not) sets the field order; without one, the field count tells the documented
//! layout: the version 2 default (14 fields), every field of version 5 (29), 7 (39) or 8 (40),
//! or a transit gateway's default (36). Records of intervals without traffic (`NODATA`) or
//! whose records were lost (`SKIPDATA`) are no events: they are counted and said.

use std::io::BufRead;

use super::super::columns::{ColumnPlan, RowError};
use super::super::{Format, Sink};
use super::lines::{for_each_line, Row};
use super::FormatError;

/// The version 2 default field order.
const V2: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// The fields versions 3 to 5 add, in the order AWS documents them.
const V5_MORE: [&str; 15] = [
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
];

/// The fields version 7 adds (Amazon ECS).
const V7_MORE: [&str; 10] = [
    "ecs-cluster-arn",
    "ecs-cluster-name",
    "ecs-container-instance-arn",
    "ecs-container-instance-id",
    "ecs-container-id",
    "ecs-second-container-id",
    "ecs-service-name",
    "ecs-task-definition-arn",
    "ecs-task-arn",
    "ecs-task-id",
];

/// A transit gateway flow log's default field order.
const TGW: [&str; 36] = [
    "version",
    "resource-type",
    "account-id",
    "tgw-id",
    "tgw-attachment-id",
    "tgw-src-vpc-account-id",
    "tgw-dst-vpc-account-id",
    "tgw-src-vpc-id",
    "tgw-dst-vpc-id",
    "tgw-src-subnet-id",
    "tgw-dst-subnet-id",
    "tgw-src-eni",
    "tgw-dst-eni",
    "tgw-src-az-id",
    "tgw-dst-az-id",
    "tgw-pair-attachment-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "log-status",
    "type",
    "packets-lost-no-route",
    "packets-lost-blackhole",
    "packets-lost-mtu-exceeded",
    "packets-lost-ttl-expired",
    "tcp-flags",
    "region",
    "flow-direction",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
];

/// The documented layout of a line of `n` fields without a header, if there is one.
fn layout(n: usize) -> Option<Vec<&'static str>> {
    let mut fields: Vec<&str> = V2.to_vec();
    match n {
        14 => {}
        29 => fields.extend(V5_MORE),
        39 | 40 => {
            fields.extend(V5_MORE);
            fields.extend(V7_MORE);
            if n == 40 {
                fields.push("reject-reason");
            }
        }
        36 => fields = TGW.to_vec(),
        _ => return None,
    }
    Some(fields)
}

fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| *b == b' ').filter(|t| !t.is_empty())
}

/// Whether a line is a header: it names `srcaddr` or `interface-id`, which no record holds.
fn is_header(line: &[u8]) -> bool {
    tokens(line).any(|t| t == b"srcaddr" || t == b"interface-id" || t == b"log-status")
}

fn plan_for(fields: &[String]) -> Result<ColumnPlan, String> {
    ColumnPlan::new(Format::VpcFlow, fields, None, &["-"])
}

/// Reads a VPC or transit gateway flow log.
pub fn read(reader: impl BufRead, sink: &mut Sink<'_>, max_len: usize) -> Result<(), FormatError> {
    // The plan, where its log-status is, and whether a header line made it.
    let mut plan: Option<(ColumnPlan, Option<usize>, bool)> = None;
    let mut no_traffic = [0u64; 2];
    for_each_line(reader, sink, max_len, |line, sink| {
        if is_header(line) {
            let header: Vec<String> = tokens(line)
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .collect();
            let status = header.iter().position(|h| h == "log-status");
            let p = plan_for(&header).map_err(|e| RowError::new("bad header", e))?;
            sink.adopt(&p);
            plan = Some((p, status, true));
            return Ok(Row::NotARecord);
        }
        let n = tokens(line).count();
        // A layout guessed from another line's field count is guessed again.
        if plan
            .as_ref()
            .is_some_and(|(p, _, header)| !header && p.width() != n)
        {
            plan = None;
        }
        if plan.is_none() {
            let Some(fields) = layout(n) else {
                return Err(RowError::new(
                    "wrong field count",
                    format!(
                        "{n} fields and no header line naming them (AWS's documented layouts \
                         have 14, 29, 36, 39 or 40)"
                    ),
                ));
            };
            let fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
            let status = fields.iter().position(|h| h == "log-status");
            let p = plan_for(&fields).map_err(|e| RowError::new("bad layout", e))?;
            plan = Some((p, status, false));
        }
        let Some((p, status, _)) = plan.as_mut() else {
            return Err(RowError::new("no field order", ""));
        };
        if n != p.width() {
            return Err(RowError::new(
                "wrong field count",
                format!("expected {} fields, found {n}", p.width()),
            ));
        }
        if let Some(s) = status.and_then(|i| tokens(line).nth(i)) {
            if s == b"NODATA" || s == b"SKIPDATA" {
                no_traffic[usize::from(s == b"SKIPDATA")] += 1;
                return Ok(Row::NotARecord);
            }
        }
        let (table, draft) = sink.parts();
        p.apply(tokens(line), draft, table)?;
        Ok(Row::Event)
    })?;
    if no_traffic[0] + no_traffic[1] > 0 {
        sink.warn(format!(
            "{} NODATA and {} SKIPDATA records (intervals without traffic, and intervals whose \
             records were lost) are not events",
            no_traffic[0], no_traffic[1]
        ));
    }
    Ok(())
}
