//! Reading what a server (or the client) sends, within a bound per message, so the proxy's
//! memory stays bounded whatever the other side does: a JSON body, an SSE event and a stdin
//! line are each at most [`max_message_bytes`]; the rest of an oversized one is never kept.
//!
//! The bound: `LATCHKEY_PROXY_MAX_MESSAGE_MIB`, else `max_message_mib` in the settings file's
//! `[proxy]` table, else [`DEFAULT_MAX_MESSAGE_MIB`].

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The default bound on one message, in MiB: far above any tool result people send (images
/// travel base64-encoded), far below what would hurt a desktop.
pub const DEFAULT_MAX_MESSAGE_MIB: usize = 16;

/// The bound on one message, in bytes (see the module docs).
pub fn max_message_bytes(settings: &latchkey_core::settings::Settings) -> usize {
    let mib = latchkey_core::tuning::Tuning::get()
        .proxy_max_message_mib
        .or(settings.proxy.max_message_mib)
        .filter(|&m| m > 0)
        .unwrap_or(DEFAULT_MAX_MESSAGE_MIB);
    mib.saturating_mul(1024 * 1024)
}

/// Why a message could not be read whole.
#[derive(Debug)]
pub enum ReadError {
    TooLarge(usize),
    Transport(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(cap) => write!(
                f,
                "the message is larger than the proxy's limit of {} MiB (LATCHKEY_PROXY_MAX_MESSAGE_MIB or [proxy] max_message_mib change it); it was dropped",
                cap / (1024 * 1024)
            ),
            ReadError::Transport(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// A whole response body, refused (without reading the rest) once it passes `cap`.
pub async fn body(resp: reqwest::Response, cap: usize) -> Result<Bytes, ReadError> {
    if resp.content_length().is_some_and(|n| n as usize > cap) {
        return Err(ReadError::TooLarge(cap));
    }
    let mut out = bytes::BytesMut::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ReadError::Transport(e.without_url().to_string()))?;
        if out.len() + chunk.len() > cap {
            return Err(ReadError::TooLarge(cap));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// The bytes of an SSE response, ending with [`ReadError::TooLarge`] as soon as one event (the
/// bytes between two blank lines) passes `cap`: the SSE parser behind it never buffers more.
pub fn event_stream(
    resp: reqwest::Response,
    cap: usize,
) -> impl Stream<Item = Result<Bytes, ReadError>> + Unpin {
    EventBound {
        inner: Box::pin(resp.bytes_stream()),
        scan: EventScan::default(),
        cap,
        done: false,
    }
}

struct EventBound<S> {
    inner: Pin<Box<S>>,
    scan: EventScan,
    cap: usize,
    done: bool,
}

impl<S> Stream for EventBound<S>
where
    S: Stream<Item = reqwest::Result<Bytes>>,
{
    type Item = Result<Bytes, ReadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.inner.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(e))) => {
                Poll::Ready(Some(Err(ReadError::Transport(e.without_url().to_string()))))
            }
            Poll::Ready(Some(Ok(chunk))) => {
                let cap = self.cap;
                if self.scan.feed(&chunk) > cap {
                    self.done = true;
                    return Poll::Ready(Some(Err(ReadError::TooLarge(cap))));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
        }
    }
}

/// Counts the bytes of the event being received: reset by a blank line (SSE's end of event;
/// a line ends with CR, LF or CR LF).
#[derive(Default)]
struct EventScan {
    /// Bytes of the event still open.
    in_event: usize,
    at_line_start: bool,
    after_cr: bool,
}

impl EventScan {
    /// Feed a chunk; the size of the largest event (so far) it held.
    fn feed(&mut self, chunk: &[u8]) -> usize {
        let mut largest = self.in_event;
        for &b in chunk {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\r' | b'\n' => {
                    if self.at_line_start {
                        self.in_event = 0; // a blank line: the event ended
                    }
                    self.at_line_start = true;
                    self.after_cr = b == b'\r';
                }
                _ => {
                    self.at_line_start = false;
                    self.after_cr = false;
                    self.in_event += 1;
                    largest = largest.max(self.in_event);
                }
            }
        }
        largest
    }
}

/// One line from stdin, at most `cap` bytes (without its newline).
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    /// A line over the bound: it was read to its end and dropped.
    TooLong,
}

/// The next line of `reader` (`None` at the end of input), never holding more than `cap`
/// bytes of it.
pub async fn next_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    cap: usize,
) -> std::io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            if line.is_empty() && !too_long {
                return Ok(None);
            }
            break;
        }
        let (part, used, ended) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        if !too_long {
            if line.len() + part.len() > cap {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(part);
            }
        }
        reader.consume(used);
        if ended {
            break;
        }
    }
    if too_long {
        return Ok(Some(Line::TooLong));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(Line::Text(
        String::from_utf8_lossy(&line).into_owned(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_sizes_reset_at_blank_lines_whatever_the_line_ends() {
        let rows: [(&str, &[&str], usize); 5] = [
            ("two small events", &["data: ab\n\ndata: c\n\n"], 8),
            ("CR LF", &["data: abc\r\n\r\ndata: d\r\n\r\n"], 9),
            ("CR only", &["data: abc\r\rdata: d\r\r"], 9),
            (
                "split across chunks",
                &["data: ab", "cd\n", "\ndata: e\n\n"],
                10,
            ),
            ("one event of two lines", &["data: ab\ndata: cd\n\n"], 16),
        ];
        for (name, chunks, largest) in rows {
            let mut scan = EventScan::default();
            let seen = chunks
                .iter()
                .map(|c| scan.feed(c.as_bytes()))
                .max()
                .unwrap();
            assert_eq!(seen, largest, "{name}");
        }
        // An event that never ends keeps growing.
        let mut scan = EventScan::default();
        for _ in 0..4 {
            scan.feed(b"data: xxxxxxxx\n");
        }
        assert_eq!(scan.feed(b"x"), 4 * 14 + 1);
    }

    #[tokio::test]
    async fn lines_over_the_bound_are_dropped_and_the_next_one_is_read() {
        let input = format!("{}\nshort\r\n{}\nlast", "x".repeat(100), "y".repeat(11));
        let mut reader = tokio::io::BufReader::with_capacity(7, input.as_bytes());
        let mut got = Vec::new();
        while let Some(line) = next_line(&mut reader, 10).await.unwrap() {
            got.push(line);
        }
        assert_eq!(
            got,
            vec![
                Line::TooLong,
                Line::Text("short".into()),
                Line::TooLong,
                Line::Text("last".into())
            ]
        );
    }
}
