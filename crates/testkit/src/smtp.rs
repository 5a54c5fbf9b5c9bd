//! A real SMTP server for tests: the protocol is the `mailin` crate's state machine
//! over a TCP socket; messages are kept in memory. It can answer `451` to the `DATA`
//! command of the next messages to exercise retries.

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin::{Action, Handler, Response, SessionBuilder, response};
use tokio::sync::Notify;

/// A message as the server received it.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub data: String,
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0_u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.replace("=\r\n", "").into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = String::from_utf8_lossy(&bytes[i + 1..i + 3]).into_owned();
            if let Ok(b) = u8::from_str_radix(&hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

impl ReceivedMail {
    /// The decoded plain text of a message: the whole body of a single-part one, the
    /// `text/plain` part of a multipart one (base64 and quoted-printable handled).
    pub fn body_text(&self) -> String {
        let content_type = self.header("Content-Type").unwrap_or_default();
        if let Some(boundary) = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
        {
            let boundary = format!("--{}", boundary.trim_matches('"'));
            for part in self.data.split(boundary.as_str()).skip(1) {
                let part = ReceivedMail {
                    from: String::new(),
                    to: Vec::new(),
                    data: part.trim_start_matches("\r\n").to_owned(),
                };
                if part
                    .header("Content-Type")
                    .is_some_and(|t| t.starts_with("text/plain"))
                {
                    return part.body_text();
                }
            }
            return String::new();
        }
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => decode_base64(body),
            "quoted-printable" => decode_quoted_printable(body),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The first run of exactly six digits in the text (a one-time code).
    pub fn code(&self) -> Option<String> {
        first_code(&self.body_text())
    }

    /// The value of a header (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line.trim_start());
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    }
}

#[derive(Default)]
struct Shared {
    mails: Mutex<Vec<ReceivedMail>>,
    fail_next: AtomicU32,
    rejected: AtomicU32,
    arrived: Notify,
    stopping: AtomicBool,
}

#[derive(Clone)]
struct Session {
    shared: Arc<Shared>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Session {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        // Refuse at DATA rather than after the message: mailin keeps its data state
        // after an error reply to the final dot, which would swallow the client's RSET.
        let failing = self
            .shared
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            self.shared.rejected.fetch_add(1, Ordering::SeqCst);
            return Response::custom(451, "Temporary failure, try again later".to_owned());
        }
        self.from = from.to_owned();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = ReceivedMail {
            from: self.from.clone(),
            to: self.to.clone(),
            data: String::from_utf8_lossy(&self.data).into_owned(),
        };
        self.shared
            .mails
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(mail);
        self.shared.arrived.notify_waiters();
        response::OK
    }
}

/// An SMTP server on 127.0.0.1 and a free port.
pub struct MailServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

fn serve_connection(stream: TcpStream, builder: &SessionBuilder, handler: Session) {
    let peer: IpAddr = stream
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    let mut session = builder.build(peer, handler);
    if session.greeting().write_to(&mut writer).is_err() {
        return;
    }
    let mut line = Vec::with_capacity(128);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let reply = session.process(&line);
        match reply.action {
            Action::NoReply => {}
            Action::Reply => {
                if reply.write_to(&mut writer).is_err() || writer.flush().is_err() {
                    return;
                }
            }
            Action::Close | Action::UpgradeTls => {
                let _ = reply.write_to(&mut writer);
                let _ = writer.flush();
                return;
            }
        }
    }
}

impl MailServer {
    /// Starts the server on a thread of its own.
    pub fn start() -> MailServer {
        MailServer::start_at("127.0.0.1:0")
    }

    /// Starts the server on a given address (a server that comes up where kabinet
    /// already expects one).
    pub fn start_at(address: &str) -> MailServer {
        let listener = TcpListener::bind(address).expect("bind the test SMTP server");
        let addr = listener.local_addr().expect("SMTP address");
        let shared = Arc::new(Shared::default());
        let accept_shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let builder = SessionBuilder::new("kabinet-test-smtp");
            for stream in listener.incoming() {
                if accept_shared.stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let builder = builder.clone();
                let handler = Session {
                    shared: Arc::clone(&accept_shared),
                    from: String::new(),
                    to: Vec::new(),
                    data: Vec::new(),
                };
                std::thread::spawn(move || serve_connection(stream, &builder, handler));
            }
        });
        MailServer { addr, shared }
    }

    /// `smtp://127.0.0.1:<port>`, for `KABINET_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Answers `451` to the next `n` messages.
    pub fn fail_next(&self, n: u32) {
        self.shared.fail_next.store(n, Ordering::SeqCst);
    }

    /// How many messages were refused with `451`.
    pub fn rejected(&self) -> u32 {
        self.shared.rejected.load(Ordering::SeqCst)
    }

    /// The messages accepted so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared
            .mails
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until at least `n` messages arrived (or `limit` passes) and returns them.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.shared.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let mails = self.messages();
            if mails.len() >= n {
                return mails;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.messages();
            }
        }
    }
}

impl MailServer {
    /// The latest message among those received after the first `after` that satisfies
    /// `pred`, waiting up to 10 seconds for one; panics when none comes.
    pub async fn find_after(
        &self,
        after: usize,
        pred: impl Fn(&ReceivedMail) -> bool,
    ) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let arrived = self.shared.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(m) = self
                .messages()
                .into_iter()
                .skip(after)
                .rev()
                .find(|m| pred(m))
            {
                return m;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("no such mail among {} received", self.messages().len());
            }
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// The first run of exactly six digits in a text.
pub fn first_code(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6 {
                return Some(chars[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    None
}
