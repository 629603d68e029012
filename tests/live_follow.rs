//! Following a folder of logs: 1,000,000 lines appended in bursts across three rotations (a
//! rename, a copy-truncate, a new file in the folder) arrive exactly once each, counted, while
//! the follower is killed with SIGKILL and restarted from its committed position twice, each
//! time with a rotation made while it was down. The lines are generated (numbered), not real
//! log data: the test counts them.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use netsleuth::live::{FolderWatch, Line, Position};

const LINES: u64 = 1_000_000;

/// What the follower commits after each batch: where each file was read to, and how much of
/// its output holds the lines read so far.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Committed {
    positions: Vec<Position>,
    output_len: u64,
}

/// The follower process of [`a_million_lines_across_rotations_and_kills_arrive_once`]: follows
/// the folder, appends each line's number to its output, then commits atomically; until it
/// finds STOP and nothing more to read. Run only by that test.
#[test]
#[ignore = "the child process of a_million_lines_across_rotations_and_kills_arrive_once"]
fn follower_child() {
    let dir = PathBuf::from(std::env::var_os("NETSLEUTH_FOLLOW_DIR").expect("run by its parent"));
    let work = PathBuf::from(std::env::var_os("NETSLEUTH_FOLLOW_WORK").unwrap());
    let (state, output) = (work.join("state.json"), work.join("seen.txt"));
    let committed: Committed = fs::read(&state)
        .ok()
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap_or_default();
    // Lines written to the output after the last commit are read again: drop them.
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&output)
        .unwrap()
        .set_len(committed.output_len)
        .unwrap();
    let mut out = OpenOptions::new().append(true).open(&output).unwrap();
    let mut watch = FolderWatch::new(&dir, ".log", 4096, committed.positions);
    let mut written = committed.output_len;
    println!("started");
    loop {
        let stop = work.join("STOP").exists();
        let mut lines: Vec<Line> = Vec::new();
        watch.poll(&mut lines).unwrap();
        if lines.is_empty() {
            if stop {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        let mut text = String::new();
        for l in &lines {
            let s = std::str::from_utf8(&l.bytes).unwrap();
            let n = s.split_whitespace().next().unwrap();
            text.push_str(n);
            text.push('\n');
        }
        out.write_all(text.as_bytes()).unwrap();
        written += text.len() as u64;
        let c = Committed {
            positions: watch.positions(),
            output_len: written,
        };
        let tmp = work.join("state.json.tmp");
        fs::write(&tmp, serde_json::to_vec(&c).unwrap()).unwrap();
        fs::rename(&tmp, &state).unwrap();
    }
}

fn start_follower(dir: &Path, work: &Path) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "follower_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("NETSLEUTH_FOLLOW_DIR", dir)
        .env("NETSLEUTH_FOLLOW_WORK", work)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Started once it says so (and so has truncated its output to what it committed); the
    // rest of what it prints is drained so that it never writes to a closed pipe.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("started") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the follower ended");
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    child
}

/// Lines committed so far by the follower.
fn committed_lines(work: &Path) -> u64 {
    fs::read(work.join("state.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Committed>(&b).ok())
        .map_or(0, |c| {
            let text = fs::read(work.join("seen.txt")).unwrap_or_default();
            text[..(c.output_len as usize).min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
        })
}

/// Waits until the follower has committed at least `n` lines.
fn wait_for(work: &Path, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while committed_lines(work) < n {
        assert!(Instant::now() < deadline, "the follower stalled below {n}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Writes lines `from..to`, numbered, in bursts of 10,000.
fn write_lines(file: &mut File, from: u64, to: u64) {
    let mut burst = String::new();
    for n in from..to {
        burst.push_str(&format!(
            "{n} GET /index.html 200 padding-to-look-like-a-log-line\n"
        ));
        if (n + 1) % 10_000 == 0 || n + 1 == to {
            file.write_all(burst.as_bytes()).unwrap();
            burst.clear();
        }
    }
}

fn append_to(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap()
}

#[test]
fn a_million_lines_across_rotations_and_kills_arrive_once() {
    let root = tempfile::tempdir().unwrap();
    let (dir, work) = (root.path().join("logs"), root.path().join("work"));
    fs::create_dir_all(&dir).unwrap();
    fs::create_dir_all(&work).unwrap();
    let a = dir.join("access.log");
    let mut log = append_to(&a);
    let mut child = start_follower(&dir, &work);
    write_lines(&mut log, 0, 200_000);
    wait_for(&work, 150_000);
    // Killed; renamed away while it is down; restarted.
    child.kill().unwrap();
    child.wait().unwrap();
    write_lines(&mut log, 200_000, 250_000);
    fs::rename(&a, dir.join("access.log.1")).unwrap();
    let mut log = append_to(&a);
    write_lines(&mut log, 250_000, 300_000);
    let mut child = start_follower(&dir, &work);
    write_lines(&mut log, 300_000, 450_000);
    wait_for(&work, 400_000);
    // Killed; copy-truncated while it is down (the writer keeps its append handle, as a
    // daemon does under logrotate's copytruncate); restarted.
    child.kill().unwrap();
    child.wait().unwrap();
    write_lines(&mut log, 450_000, 500_000);
    fs::copy(&a, dir.join("access.log.2")).unwrap();
    OpenOptions::new()
        .write(true)
        .open(&a)
        .unwrap()
        .set_len(0)
        .unwrap();
    write_lines(&mut log, 500_000, 550_000);
    let mut child = start_follower(&dir, &work);
    write_lines(&mut log, 550_000, 750_000);
    // A new file in the folder, while it runs.
    let mut other = append_to(&dir.join("other.log"));
    write_lines(&mut other, 750_000, LINES);
    wait_for(&work, LINES);
    File::create(work.join("STOP")).unwrap();
    assert!(child.wait().unwrap().success());

    let seen = fs::read_to_string(work.join("seen.txt")).unwrap();
    let mut count = vec![0u8; LINES as usize];
    for n in seen.lines() {
        let n: usize = n.parse().unwrap();
        count[n] = count[n].saturating_add(1);
    }
    let missing = count.iter().filter(|&&c| c == 0).count();
    let repeated = count.iter().filter(|&&c| c > 1).count();
    assert_eq!(
        (missing, repeated),
        (0, 0),
        "{missing} lines missing, {repeated} repeated"
    );
    assert_eq!(seen.lines().count() as u64, LINES);
}
