//! Judging where the data lives: the start view's controls (which engine, which folder), the
//! card of a run (where the data is, the query's progress and cost, Cancel) and what it found
//! (the sources in triage order with their reasons, the files' losses, the run's cost, and
//! ways to act: block the proposed sources, write the CSVs).

use std::sync::atomic::Ordering;

use eframe::egui::{self, Align, Grid, Layout, RichText, ScrollArea, Ui};

use crate::app::judging::{Judge, Opened};
use crate::app::{text, BlocklistState, Command, Decision, ERROR, MALICIOUS, WARN};
use crate::engine::{Engine, EngineError, EngineRun};

/// Sources listed at most.
const LISTED: usize = 200;

/// The start view's rows for judging a log in place: the engine's address, the folder or
/// file, and the buttons.
pub(in crate::app) fn controls(
    ui: &mut Ui,
    (engine_at, path): (&mut String, &mut String),
    out: &mut Vec<Command>,
) {
    ui.label(RichText::new("Too large to read, or in a data lake?").strong());
    ui.label(
        RichText::new(
            "The query engine judges the sources where the files are and brings back only \
             its verdicts; the events stay there.",
        )
        .weak(),
    );
    let parsed = Engine::parse(engine_at.trim());
    Grid::new("judge in place").num_columns(2).show(ui, |ui| {
        let label = ui.label("Engine");
        ui.add(
            egui::TextEdit::singleline(engine_at)
                .desired_width(320.0)
                .hint_text("embedded or ballista://host:port"),
        )
        .labelled_by(label.id)
        .on_hover_text(
            "embedded: DataFusion in this program, on this machine's cores; \
             ballista://HOST:PORT: the scheduler of a Ballista cluster started with \
             `netsleuth cluster`",
        );
        ui.end_row();
        let label = ui.label("Folder or file");
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(path)
                    .desired_width(320.0)
                    .hint_text("a folder of Parquet or log files, or one file"),
            )
            .labelled_by(label.id);
            if ui
                .add_enabled(parsed.is_ok(), egui::Button::new("Browse…"))
                .on_hover_text("Pick a folder and judge it")
                .clicked()
            {
                out.push(Command::JudgeDialog);
            }
            let typed = !path.trim().is_empty();
            if ui
                .add_enabled(parsed.is_ok() && typed, egui::Button::new("Judge"))
                .clicked()
            {
                out.push(Command::Judge(vec![path.trim().into()]));
            }
        });
        ui.end_row();
    });
    if let Err(e) = parsed {
        ui.label(RichText::new(e).color(ERROR));
    }
}

/// A card with where the data lives, the query's progress and cost, and Cancel.
pub(in crate::app) fn running(ui: &mut Ui, judge: &Judge) {
    let title = format!("Judging on {}…", judge.engine.describe());
    super::start::job_card(ui, 520.0, &title, |ui| {
        where_it_lives(ui, judge);
        ui.add_space(4.0);
        let (jobs, rows, bytes) = judge.cost();
        let step = match jobs {
            0 => "reading every file where the engine runs and judging its sources",
            _ => "judging what spans the partitions",
        };
        ui.add(egui::ProgressBar::new(0.0).animate(true).text(step));
        Grid::new("query cost").num_columns(2).show(ui, |ui| {
            ui.label("Jobs finished");
            ui.label(text::thousands(jobs));
            ui.end_row();
            ui.label("Events read");
            ui.label(match (rows, judge.read_here()) {
                (0, 0) => "counted when the first job ends".to_string(),
                (0, here) => format!("{} so far", text::thousands(here)),
                (n, _) => text::thousands(n),
            });
            ui.end_row();
            ui.label("Returned");
            ui.label(text::bytes(bytes));
            ui.end_row();
        });
        let secs = judge.started.elapsed().as_secs_f64();
        if super::start::time_and_cancel(ui, &format!("{secs:.0} s"), judge.is_cancelling()) {
            judge.cancel();
        }
    });
}

/// The paths judged, and the files and bytes under them once listed.
fn where_it_lives(ui: &mut Ui, judge: &Judge) {
    const NAMED: usize = 4;
    for p in judge.paths.iter().take(NAMED) {
        ui.label(RichText::new(text::printable(&p.display().to_string())).weak());
    }
    if judge.paths.len() > NAMED {
        let more = judge.paths.len() - NAMED;
        ui.label(RichText::new(format!("… and {more} more")).weak());
    }
    if let Some((files, bytes)) = judge.listed {
        ui.label(format!(
            "{} · {}",
            text::count(files as u64, "file", "files"),
            text::bytes(bytes)
        ));
    }
}

/// What the run found, or why it stopped.
pub(in crate::app) fn outcome(
    ui: &mut Ui,
    judge: &Judge,
    blocklist: &BlocklistState,
    out: &mut Vec<Command>,
) {
    let Some(outcome) = &judge.outcome else {
        return;
    };
    let (run, seconds) = match outcome {
        Ok((run, seconds)) => (run, *seconds),
        Err(e) => {
            let said = match e {
                EngineError::Cancelled => "The query was cancelled.".to_string(),
                e => format!("The query stopped: {e}"),
            };
            ui.label(RichText::new(text::printable(&said)).color(ERROR).strong());
            where_it_lives(ui, judge);
            ui.add_space(8.0);
            if ui.button("Back").clicked() {
                out.push(Command::CloseJudged);
            }
            return;
        }
    };
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!("Judged on {}", judge.engine.describe()))
                .text_style(text::style("section"))
                .strong(),
        );
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if ui.button("Close").clicked() {
                out.push(Command::CloseJudged);
            }
            if ui
                .button("Write sources.csv and blocklist.csv…")
                .on_hover_text("Into a folder you pick; `netsleuth export` reads blocklist.csv")
                .clicked()
            {
                out.push(Command::JudgedOutDialog);
            }
            let proposed: Vec<&crate::detection::SourceVerdict> = run
                .detection
                .sources
                .iter()
                .filter(|s| {
                    s.proposed_block
                        && blocklist.decision(s.stats.ip).is_none()
                        && blocklist
                            .list
                            .protected(&ipnet::IpNet::from(s.stats.ip))
                            .is_none()
                })
                .collect();
            if ui
                .add_enabled(
                    !proposed.is_empty(),
                    egui::Button::new(format!(
                        "Block the {} proposed",
                        text::thousands(proposed.len() as u64)
                    )),
                )
                .on_hover_text("Adds them to the blocklist, with their reasons")
                .clicked()
            {
                let entries = proposed
                    .iter()
                    .map(|s| crate::blocklist::entry_for(s, crate::blocklist::Origin::Selection))
                    .collect();
                out.push(Command::EditBlocklist(crate::blocklist::Edit::put(entries)));
            }
        });
    });
    where_it_lives(ui, judge);
    cost(ui, run, seconds);
    losses(ui, run);
    if let Some(o) = &judge.opened {
        ui.add_space(8.0);
        events(ui, o, out);
    }
    ui.add_space(8.0);
    sources(ui, run, blocklist, out);
}

/// Events shown of an opened source at most.
const EVENTS_SHOWN: usize = 1000;

/// The events an opened source sent, fetched from where the data lives (or the fetch's
/// progress and Cancel).
fn events(ui: &mut Ui, o: &Opened, out: &mut Vec<Command>) {
    let title = RichText::new(format!("Events of {}", o.ip)).strong();
    let events = match &o.events {
        None => {
            ui.horizontal(|ui| {
                ui.label(title);
                ui.spinner();
                let read = o.progress.rows_read_here.load(Ordering::Relaxed);
                ui.label(format!(
                    "fetched from where the data lives: {} events read, {:.0} s",
                    text::thousands(read),
                    o.started.elapsed().as_secs_f64()
                ));
                if ui.button("Cancel").clicked() {
                    o.cancel();
                }
            });
            return;
        }
        Some(Err(e)) => {
            ui.horizontal(|ui| {
                ui.label(title);
                ui.label(RichText::new(text::printable(&e.to_string())).color(ERROR));
            });
            return;
        }
        Some(Ok(events)) => events,
    };
    ui.horizontal(|ui| {
        ui.label(title);
        let shown = if events.len() > EVENTS_SHOWN {
            format!(
                " (the first {} shown)",
                text::thousands(EVENTS_SHOWN as u64)
            )
        } else {
            String::new()
        };
        ui.label(format!(
            "{}{shown}, fetched in {:.2} s ({} returned)",
            text::count(events.len() as u64, "event", "events"),
            o.seconds,
            text::bytes(o.progress.bytes_returned.load(Ordering::Relaxed))
        ));
        if ui.button("Close").clicked() {
            out.push(Command::CloseJudgedSource);
        }
    });
    ScrollArea::both()
        .id_salt("opened source")
        .max_height(220.0)
        .show(ui, |ui| {
            Grid::new("opened events")
                .num_columns(7)
                .striped(true)
                .spacing([12.0, 2.0])
                .show(ui, |ui| {
                    for h in [
                        "Time",
                        "Destination",
                        "Protocol",
                        "Sent",
                        "Received",
                        "Outcome",
                        "Detail",
                    ] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for (_, _, _, d, _) in events.iter().take(EVENTS_SHOWN) {
                        ui.label(d.time_us.map_or_else(String::new, text::instant));
                        let to = match (d.destination_ip, d.destination_port) {
                            (Some(ip), Some(p)) => format!("{ip}:{p}"),
                            (Some(ip), None) => ip.to_string(),
                            (None, Some(p)) => format!(":{p}"),
                            (None, None) => String::new(),
                        };
                        ui.label(RichText::new(to).monospace());
                        let protocol = if d.app_protocol.is_empty() {
                            &d.transport
                        } else {
                            &d.app_protocol
                        };
                        ui.label(text::printable(protocol));
                        let bytes =
                            |v: Option<f64>| v.map_or_else(String::new, |b| text::bytes(b as u64));
                        ui.label(bytes(d.bytes_sent));
                        ui.label(bytes(d.bytes_received));
                        ui.label(text::printable(&d.outcome));
                        let detail = d.detail.replace(crate::events::DETAIL_SEPARATOR, "  ");
                        ui.add(egui::Label::new(text::printable(&detail)).truncate());
                        ui.end_row();
                    }
                });
        });
}

/// The run's cost: events read, partitions, jobs, bytes returned, time.
fn cost(ui: &mut Ui, run: &EngineRun, seconds: f64) {
    let d = &run.detection;
    let proposed = d.sources.iter().filter(|s| s.proposed_block).count();
    ui.label(format!(
        "{} events read where they are · {} sources · {} proposed for blocking",
        text::thousands(run.events),
        text::thousands(d.sources.len() as u64),
        text::thousands(proposed as u64),
    ));
    ui.label(
        RichText::new(format!(
            "{} · {} · {} returned · {seconds:.1} s",
            text::count(run.partitions as u64, "partition", "partitions"),
            text::count(run.jobs, "job", "jobs"),
            text::bytes(run.bytes_returned)
        ))
        .weak(),
    );
    for v in &d.volume {
        ui.label(RichText::new(text::printable(&v.summary)).color(WARN));
    }
    if let Some(c) = &d.caveat {
        ui.label(RichText::new(text::printable(c)).color(WARN));
    }
}

/// Files that could not be read and rows skipped, with where.
fn losses(ui: &mut Ui, run: &EngineRun) {
    for e in &run.failures {
        ui.label(RichText::new(text::printable(&e.to_string())).color(ERROR));
    }
    for f in &run.files {
        let skipped = f.skips.total();
        if skipped == 0 {
            continue;
        }
        let first = f.skips.examples().first().map_or_else(String::new, |e| {
            format!("; first at line {}: {}", e.line, e.reason)
        });
        ui.label(
            RichText::new(text::printable(&format!(
                "{}: {} of {} rows skipped{first}",
                f.path.display(),
                text::thousands(skipped),
                text::thousands(f.records)
            )))
            .color(WARN),
        );
    }
}

/// The sources in triage order, with their verdict and first reason.
fn sources(ui: &mut Ui, run: &EngineRun, blocklist: &BlocklistState, out: &mut Vec<Command>) {
    let d = &run.detection;
    ScrollArea::vertical().auto_shrink(false).show(ui, |ui| {
        Grid::new("judged sources")
            .num_columns(5)
            .striped(true)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for h in ["Confidence", "Source", "Events", "Verdict", "Why"] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for &i in d.ranked.iter().take(LISTED) {
                    let s = &d.sources[i];
                    ui.label(format!("{:.1}", s.confidence));
                    if ui
                        .link(RichText::new(s.stats.ip.to_string()).monospace())
                        .on_hover_text("Fetch its events from where the data lives")
                        .clicked()
                    {
                        out.push(Command::OpenJudgedSource(s.stats.ip));
                    }
                    ui.label(text::thousands(s.stats.events));
                    let verdict = match (blocklist.decision(s.stats.ip), &s.shared) {
                        (Some(Decision::Block), _) => RichText::new("blocked").color(MALICIOUS),
                        (Some(Decision::Allow), _) => RichText::new("allowed").weak(),
                        (Some(Decision::Reviewed), _) => RichText::new("reviewed").weak(),
                        (None, Some(_)) => RichText::new("not by address").color(WARN),
                        (None, None) if s.proposed_block => {
                            RichText::new("proposed").color(MALICIOUS)
                        }
                        (None, None) => RichText::new("—").weak(),
                    };
                    let r = ui.label(verdict);
                    if let Some(shared) = &s.shared {
                        r.on_hover_text(text::printable(&format!("it {shared}")));
                    }
                    let first = s.reasons.first().map_or("", String::as_str);
                    let all: Vec<String> = s.reasons.iter().map(|r| text::printable(r)).collect();
                    ui.add(egui::Label::new(text::printable(first)).truncate())
                        .on_hover_text(all.join("\n"));
                    ui.end_row();
                }
            });
        if d.ranked.len() > LISTED {
            ui.label(
                RichText::new(format!(
                    "… and {} more in sources.csv",
                    text::thousands((d.ranked.len() - LISTED) as u64)
                ))
                .weak(),
            );
        }
    });
}
