//! The progress line on stderr while a corpus is coded — the corpus's bytes done of all, the
//! rate, the time left and the files done — drawn from the start (while the corpus is listed
//! and while a large file is read, before anything is done) and redrawn five times a second.
//! Only when stderr is a terminal: a log file or a pipe gets the summary line alone.
//!
//! Bytes are the files' sizes on disk, so a large file moves the bar as its parts are coded
//! (its share of the text coded, in its bytes), not at its end; a table corpus moves by the
//! bytes of the table read. The time left is the elapsed time scaled by what is left over
//! what is done: the corpus's average rate, steadier than the rate of the last seconds when
//! files of very different kinds follow one another.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// The progress of a corpus being coded; does nothing when stderr is not a terminal.
pub struct Progress {
    bar: ProgressBar,
    /// Bytes to do, once known.
    total: AtomicU64,
    files: AtomicUsize,
    total_files: AtomicUsize,
    /// Bytes done, kept here too so that parts of files and whole files add up exactly.
    bytes: AtomicU64,
}

/// The time left to code `total` bytes at the rate `done` of them took `elapsed`; `None`
/// before a second has passed or a byte is done (no rate yet to go by).
pub fn time_left(done: u64, total: u64, elapsed: Duration) -> Option<Duration> {
    if done == 0 || elapsed < Duration::from_secs(1) {
        return None;
    }
    let left = total.saturating_sub(done) as f64;
    Some(Duration::from_secs_f64(
        elapsed.as_secs_f64() * left / done as f64,
    ))
}

/// A duration as the line shows it: `45s`, `3m 05s`, `2h 07m`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn left_key(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let Some(total) = state.len() else {
        return;
    };
    let _ = match time_left(state.pos(), total, state.elapsed()) {
        Some(left) => write!(w, ", {} left", duration(left)),
        None => write!(w, ", time left …"),
    };
}

/// A file's name as the line shows it: at most 18 characters, the end kept.
fn short(name: &str) -> String {
    let n = name.chars().count();
    if n <= 18 {
        name.to_string()
    } else {
        let tail: String = name.chars().skip(n - 17).collect();
        format!("…{tail}")
    }
}

impl Progress {
    /// A progress line drawn now and every 200 ms, or a hidden one when stderr is not a
    /// terminal.
    pub fn start() -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        Progress::drawn_to(ProgressDrawTarget::stderr())
    }

    /// A progress line that draws nothing.
    pub fn hidden() -> Progress {
        Progress::with(ProgressBar::hidden())
    }

    fn drawn_to(target: ProgressDrawTarget) -> Progress {
        // No length until the corpus is listed; a line under 80 characters (tested below).
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:10}] {binary_bytes}/{binary_total_bytes}{left}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key("left", left_key)
            .progress_chars("=> "),
        );
        bar.set_message("listing the corpus");
        bar.tick();
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress::with(bar)
    }

    fn with(bar: ProgressBar) -> Progress {
        Progress {
            bar,
            total: AtomicU64::new(0),
            files: AtomicUsize::new(0),
            total_files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// `files` more files of `bytes` bytes to code (a table: its size, and no file count).
    pub fn expect(&self, files: usize, bytes: u64) {
        let total = self.total_files.fetch_add(files, Ordering::Relaxed) + files;
        self.bar
            .set_length(self.total.fetch_add(bytes, Ordering::Relaxed) + bytes);
        self.show_files(self.files.load(Ordering::Relaxed), total);
        self.bar.tick();
    }

    fn show_files(&self, done: usize, total: usize) {
        if total > 0 {
            self.bar.set_message(format!("coding {done}/{total} files"));
        } else {
            self.bar.set_message(format!("coding {done} documents"));
        }
    }

    /// A large file being read (`reading`) or coded: it takes a while, and says so.
    pub fn on_file(&self, doing: &str, name: &str) {
        self.bar.set_message(format!("{doing} {}", short(name)));
    }

    /// Part of a file coded: `bytes` more of its size done.
    pub fn bytes_done(&self, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.bar.inc(bytes);
    }

    /// A file (or a table's document) done; `bytes` of it not counted yet.
    pub fn file_done(&self, bytes: u64) {
        let done = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        self.bytes_done(bytes);
        self.show_files(done, self.total_files.load(Ordering::Relaxed));
    }

    /// The bytes done so far reach `bytes` (a table read up to there).
    pub fn reach(&self, bytes: u64) {
        let before = self.bytes.fetch_max(bytes, Ordering::Relaxed);
        self.bar.inc(bytes.saturating_sub(before));
    }

    /// Runs `print` (warnings and notes on stderr) with the line cleared, then draws it again
    /// below: printed while it is drawn, they would be written over it.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        self.bar.suspend(print)
    }

    /// Clears the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    /// An error ends the run with the line cleared, not left above the message.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_goes_by_the_average_rate_once_there_is_one() {
        let s = Duration::from_secs;
        assert_eq!(time_left(0, 100, s(5)), None);
        assert_eq!(time_left(10, 100, Duration::from_millis(900)), None);
        assert_eq!(time_left(25, 100, s(10)), Some(s(30)));
        assert_eq!(time_left(100, 100, s(10)), Some(s(0)));
        assert_eq!(time_left(120, 100, s(10)), Some(s(0)));
    }

    #[test]
    fn long_names_keep_their_end() {
        assert_eq!(short("a.txt"), "a.txt");
        assert_eq!(
            short("reports/2021/annual-report-of-the-ministry.pdf"),
            "…-the-ministry.pdf"
        );
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        let s = Duration::from_secs;
        assert_eq!(duration(s(45)), "45s");
        assert_eq!(duration(s(185)), "3m 05s");
        assert_eq!(duration(s(7620)), "2h 07m");
    }

    /// A terminal 80 characters wide that keeps every line drawn.
    #[derive(Debug, Default, Clone)]
    struct Screen(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            // Not the blanks that wipe the end of a longer line drawn before.
            if !s.trim().is_empty() {
                self.0.lock().unwrap().push(s.to_string());
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Screen {
        fn last(&self) -> String {
            self.0.lock().unwrap().last().cloned().unwrap_or_default()
        }
    }

    #[test]
    fn the_line_is_drawn_before_the_corpus_is_listed_and_says_bytes_and_time_left() {
        let screen = Screen::default();
        let p = Progress::drawn_to(ProgressDrawTarget::term_like(Box::new(screen.clone())));
        let first = screen.last();
        assert!(first.contains("listing the corpus"), "{first}");
        // Drawn on demand from here on, not every 200 ms.
        p.bar.disable_steady_tick();
        p.expect(4, 4 << 20);
        p.bytes_done(1 << 20);
        p.bar.tick();
        let line = screen.last();
        assert!(line.contains("coding 0/4 files"), "{line}");
        assert!(line.contains("1.00 MiB/4.00 MiB, time left …"), "{line}");
        // A quarter done in 10 s: 30 s left.
        let p = Progress::with(p.bar.clone().with_elapsed(Duration::from_secs(10)));
        p.bar.tick();
        let line = screen.last();
        assert!(line.contains("1.00 MiB/4.00 MiB, 30s left"), "{line}");
    }

    #[test]
    fn the_longest_line_fits_in_80_columns() {
        let screen = Screen::default();
        let p = Progress::drawn_to(ProgressDrawTarget::term_like(Box::new(screen.clone())));
        p.bar.disable_steady_tick();
        let p = Progress::with(p.bar.clone().with_elapsed(Duration::from_secs(3)));
        // The widest numbers: 1023.99 MiB of 1023.99 GiB, 51 minutes and some seconds left.
        p.expect(999_999, 1_099_500_890_358);
        p.bytes_done(1_073_731_339);
        for message in [
            "coding 999999/999999 files".to_string(),
            "coding 999999 documents".to_string(),
        ] {
            p.bar.set_message(message);
            p.bar.tick();
            let line = screen.last();
            assert!(line.contains("1023.99 MiB/1023.99 GiB, 51m "), "{line}");
            assert!(line.chars().count() < 80, "{line}");
        }
        p.on_file("reading", "a-very-long-name-of-a-file-in-a-folder.txt");
        p.bar.tick();
        let line = screen.last();
        assert!(line.chars().count() < 80, "{line}");
    }

    #[test]
    fn parts_and_whole_files_add_up_and_a_table_reaches_its_position() {
        let p = Progress::hidden();
        p.expect(2, 1000);
        p.bytes_done(300);
        p.file_done(200);
        assert_eq!(p.bar.position(), 500);
        assert_eq!(p.files.load(Ordering::Relaxed), 1);
        p.reach(400);
        assert_eq!(p.bar.position(), 500, "never backwards");
        p.reach(900);
        assert_eq!(p.bar.position(), 900);
        assert_eq!(p.bar.length(), Some(1000));
    }
}
