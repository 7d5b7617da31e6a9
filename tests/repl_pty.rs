//! The REPL driven through a pseudo-terminal, as a person would: define a space over several
//! lines (the validator asks for more while the brace is open), count it, sample from it,
//! make an error and see the diagnostic, clear a half-typed input with Ctrl-C, recover, and
//! leave with Ctrl-D (status 0).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A child process on a pseudo-terminal, with everything it wrote so far.
struct Pty {
    child: Child,
    input: File,
    output: Arc<Mutex<Vec<u8>>>,
    seen: usize,
}

impl Pty {
    /// Starts `nas repl` with a fresh pseudo-terminal as its controlling terminal.
    fn spawn() -> Pty {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 50,
            ws_col: 200,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two descriptors; the name and termios arguments may be null.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: both descriptors were just opened and are owned here.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let mut command = Command::new(env!("CARGO_BIN_EXE_nas"));
        command
            .arg("repl")
            .env("TERM", "xterm")
            .env("NO_COLOR", "1")
            .env("NAS_REPL_HISTORY", "off")
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec: a new session, and the
        // pseudo-terminal (stdin) as its controlling terminal.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("nas repl starts");
        let input = File::from(master.try_clone().expect("dup"));
        let mut reader = File::from(master);
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            child,
            input,
            output,
            seen: 0,
        }
    }

    /// Everything written so far, as text.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("lock")).into_owned()
    }

    /// Waits until `needle` appears after what earlier expectations consumed; returns the
    /// text up to and including it.
    fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = self.text();
            if let Some(at) = text.get(self.seen..).and_then(|t| t.find(needle)) {
                let end = self.seen + at + needle.len();
                let chunk = text[self.seen..end].to_string();
                self.seen = end;
                return chunk;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {needle:?}; transcript:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Forgets everything written so far (later expectations look only at what follows).
    fn skip(&mut self) {
        self.seen = self.text().len();
    }

    /// Types `keys`.
    fn send(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).expect("write");
        self.input.flush().expect("flush");
    }
}

#[test]
fn a_terminal_session_defines_counts_samples_errs_recovers_and_leaves() {
    let mut pty = Pty::spawn();
    pty.expect(":help lists the commands");
    pty.expect("nas> ");
    // A space typed over four lines: Enter inside the braces asks for more.
    pty.send("space tiny {\r");
    pty.send("    input image(3, 8, 8)\r");
    pty.send("    conv(8, 3 | 5) >> relu >> global_avg_pool >> linear(2 | 4)\r");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !pty.text().contains("defined space"),
        "evaluated before the brace closed"
    );
    pty.send("}\r");
    pty.expect("defined space tiny; current space: tiny (4 architectures)");
    pty.expect("nas> ");
    pty.send(":count\r");
    pty.expect("4 architectures");
    pty.expect("nas> ");
    pty.send(":sample 2 seed=1\r");
    pty.expect("#1 ");
    pty.expect("#2 ");
    pty.expect("nas> ");
    // An error: the diagnostic points into the line just typed (session line 5).
    pty.send("op broken = relu >> nope\r");
    let diagnostic = pty.expect("nas> ");
    assert!(diagnostic.contains("<repl>:5:21"), "{diagnostic}");
    assert!(diagnostic.contains("nope"), "{diagnostic}");
    // Ctrl-C drops a half-typed input; the session is intact.
    pty.send("op half = relu >>\r");
    std::thread::sleep(Duration::from_millis(300));
    pty.skip();
    pty.send("\x03");
    pty.expect("nas> ");
    pty.send("op fixed = relu >> batchnorm\r");
    pty.expect("defined op fixed");
    pty.expect("nas> ");
    pty.send(":show #2\r");
    let shown = pty.expect("nas> ");
    assert!(shown.contains("s0") || shown.contains("="), "{shown}");
    pty.send("\x04");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = pty.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "Ctrl-D did not end the REPL:\n{}",
            pty.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{}", pty.text());
    assert!(!pty.text().contains("defined op half"), "never evaluated");
}
