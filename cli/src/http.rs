//! A small HTTP/1.1 server for `sentinel view`: GET and HEAD only, request heads parsed by
//! `httparse`, one thread per connection up to [`Limits::max_connections`], and deadlines, so that
//! slow or half-sent requests cannot stall other clients:
//!
//! - a request head must arrive whole within [`Limits::header_timeout`] of the server starting to
//!   wait for it (a keep-alive connection idle that long is closed; a half-sent head gets `408`);
//! - a head larger than [`Limits::max_header_bytes`] gets `431`; a request with a body (a
//!   `Content-Length` above 0 or a `Transfer-Encoding`) gets `413` and the connection is closed
//!   without reading the body;
//! - every socket write must progress within [`Limits::write_timeout`];
//! - beyond [`Limits::max_connections`] open connections a new one gets `503` and is closed at once.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The server's bounds.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once (each has a thread).
    pub max_connections: usize,
    /// Time for a whole request head to arrive (also the keep-alive idle time).
    pub header_timeout: Duration,
    /// Time any one socket write may block.
    pub write_timeout: Duration,
    /// Largest request head, bytes.
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 64,
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            max_header_bytes: 16 << 10,
        }
    }
}

/// A request: its method (`GET` or `HEAD`) and target (`/path?query`, as sent).
#[derive(Debug)]
pub struct Request {
    /// `GET` or `HEAD`.
    pub method: String,
    /// The request target, as sent.
    pub target: String,
}

/// A response body.
pub enum Body {
    /// Bytes held by the server.
    Shared(Arc<Vec<u8>>),
    /// Bytes made for this response.
    Owned(Vec<u8>),
    /// Static bytes.
    Static(&'static [u8]),
    /// A file and its length.
    File(File, u64),
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Shared(b) => b.len() as u64,
            Body::Owned(b) => b.len() as u64,
            Body::Static(b) => b.len() as u64,
            Body::File(_, n) => *n,
        }
    }
}

/// A response.
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers besides Content-Length and Connection.
    pub headers: Vec<(&'static str, String)>,
    /// The body (left out for HEAD).
    pub body: Body,
}

impl Response {
    /// A plain-text response.
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
            body: Body::Owned(body.into().into_bytes()),
        }
    }

    /// Adds a header.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Serves `listener` for ever, answering every GET or HEAD request with `handler`.
pub fn serve<H>(listener: TcpListener, limits: Limits, handler: H)
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else {
            // A connection reset before it was accepted, or out of descriptors for a moment.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = stream.set_nodelay(true);
        if open.load(Ordering::SeqCst) >= limits.max_connections {
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = write_response(&mut stream, &error(503, "too many connections"), false, false);
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        open.fetch_add(1, Ordering::SeqCst);
        let (mine, handler, limits) = (Arc::clone(&open), Arc::clone(&handler), limits.clone());
        let spawned = std::thread::Builder::new()
            .name("sentinel-http".into())
            .stack_size(256 << 10)
            .spawn(move || {
                let _ = connection(stream, &limits, &*handler);
                mine.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn error(status: u16, msg: &str) -> Response {
    Response::text(status, format!("{msg}\n"))
}

/// What reading a request head gave.
enum Head {
    /// A request; whether the connection stays open after it.
    Request(Request, bool),
    /// Answer this and close.
    Refuse(Response),
    /// The client closed the connection, or stayed silent past the deadline.
    Closed,
}

/// Serves the requests of one connection.
fn connection(mut stream: TcpStream, limits: &Limits, handler: &dyn Fn(&Request) -> Response) -> io::Result<()> {
    stream.set_write_timeout(Some(limits.write_timeout))?;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        match read_head(&mut stream, &mut buf, limits)? {
            Head::Closed => return Ok(()),
            Head::Refuse(r) => {
                write_response(&mut stream, &r, false, false)?;
                let _ = stream.shutdown(Shutdown::Both);
                return Ok(());
            }
            Head::Request(req, keep) => {
                let resp = handler(&req);
                write_response(&mut stream, &resp, req.method == "HEAD", keep)?;
                if !keep {
                    let _ = stream.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
        }
    }
}

/// Reads one request head into `buf` (which keeps any bytes after it for the next request).
fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>, limits: &Limits) -> io::Result<Head> {
    let deadline = Instant::now() + limits.header_timeout;
    let mut chunk = [0u8; 4096];
    loop {
        if !buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(buf) {
                Ok(httparse::Status::Complete(n)) if n > limits.max_header_bytes => {
                    return Ok(Head::Refuse(error(431, "request head too large")));
                }
                Ok(httparse::Status::Complete(n)) => {
                    let head = judge(&req);
                    buf.drain(..n);
                    return Ok(head);
                }
                Ok(httparse::Status::Partial) => {}
                Err(httparse::Error::TooManyHeaders) => {
                    return Ok(Head::Refuse(error(431, "too many header fields")));
                }
                Err(e) => return Ok(Head::Refuse(error(400, &format!("bad request: {e}")))),
            }
            if buf.len() > limits.max_header_bytes {
                return Ok(Head::Refuse(error(431, "request head too large")));
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(if buf.is_empty() {
                Head::Closed
            } else {
                Head::Refuse(error(408, "the request head did not arrive in time"))
            });
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(Head::Closed),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Ok(Head::Closed),
        }
    }
}

/// The request a complete head makes, or why it is refused.
fn judge(req: &httparse::Request) -> Head {
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let has_body = header("transfer-encoding").is_some()
        || header("content-length").is_some_and(|v| v.parse::<u64>().map_or(true, |n| n > 0));
    if has_body {
        return Head::Refuse(error(413, "request bodies are not accepted"));
    }
    let method = req.method.unwrap_or_default().to_string();
    if method != "GET" && method != "HEAD" {
        return Head::Refuse(error(405, "only GET and HEAD").with("Allow", "GET, HEAD"));
    }
    let connection = header("connection").unwrap_or_default();
    let keep = match req.version {
        Some(1) => !connection.contains("close"),
        _ => connection.contains("keep-alive"),
    };
    Head::Request(
        Request {
            method,
            target: req.path.unwrap_or("/").to_string(),
        },
        keep,
    )
}

/// Writes a response (without its body for HEAD).
fn write_response(stream: &mut TcpStream, r: &Response, head_only: bool, keep: bool) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    for (k, v) in &r.headers {
        head += &format!("{k}: {v}\r\n");
    }
    head += &format!(
        "Content-Length: {}\r\nConnection: {}\r\n\r\n",
        r.body.len(),
        if keep { "keep-alive" } else { "close" }
    );
    let mut w = io::BufWriter::with_capacity(64 << 10, &mut *stream);
    w.write_all(head.as_bytes())?;
    if !head_only {
        match &r.body {
            Body::Shared(b) => w.write_all(b)?,
            Body::Owned(b) => w.write_all(b)?,
            Body::Static(b) => w.write_all(b)?,
            Body::File(f, n) => {
                let copied = io::copy(&mut f.take(*n), &mut w)?;
                if copied != *n {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file shrank while served",
                    ));
                }
            }
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(raw: &str) -> Head {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        assert!(req.parse(raw.as_bytes()).unwrap().is_complete(), "{raw}");
        judge(&req)
    }

    fn refused(raw: &str) -> u16 {
        match judged(raw) {
            Head::Refuse(r) => r.status,
            _ => 0,
        }
    }

    #[test]
    fn heads_are_judged() {
        assert_eq!(refused("POST / HTTP/1.1\r\n\r\n"), 405);
        assert_eq!(refused("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 413);
        assert_eq!(refused("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"), 413);
        assert_eq!(refused("GET / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"), 413);
        let keep = |raw: &str| match judged(raw) {
            Head::Request(r, keep) => {
                assert_eq!(r.target, "/a?b=1");
                keep
            }
            _ => panic!("{raw}"),
        };
        assert!(keep("GET /a?b=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
        assert!(!keep("GET /a?b=1 HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert!(!keep("HEAD /a?b=1 HTTP/1.0\r\n\r\n"));
        assert!(keep("GET /a?b=1 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
    }

    #[test]
    fn a_response_has_its_length_and_no_body_for_head() {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = a.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        });
        let (mut s, _) = a.accept().unwrap();
        let r = Response::text(200, "hello").with("X-A", "1");
        write_response(&mut s, &r, false, true).unwrap();
        write_response(&mut s, &r, true, false).unwrap();
        drop(s);
        let out = client.join().unwrap();
        assert_eq!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-A: 1\r\nContent-Length: 5\r\n\
             Connection: keep-alive\r\n\r\nhello\
             HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-A: 1\r\nContent-Length: 5\r\n\
             Connection: close\r\n\r\n"
        );
    }

    #[test]
    fn a_head_too_large_or_malformed_is_refused() {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = a.local_addr().unwrap();
        for (raw, status) in [
            (
                format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(20_000)),
                "431",
            ),
            ("GET / HTTP/1.1\r\nBad Header\r\n\r\n".to_string(), "400"),
        ] {
            let client = std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                let _ = s.write_all(raw.as_bytes());
                let mut out = Vec::new();
                let _ = s.read_to_end(&mut out);
                String::from_utf8_lossy(&out).to_string()
            });
            let (s, _) = a.accept().unwrap();
            connection(s, &Limits::default(), &|_| Response::text(200, "no")).unwrap();
            let out = client.join().unwrap();
            assert!(out.starts_with(&format!("HTTP/1.1 {status} ")), "{out}");
        }
    }
}
