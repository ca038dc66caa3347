//! The proxy's stdout: one writer task, one JSON-RPC message per line.

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

pub type Out = mpsc::Sender<Vec<u8>>;

/// Messages waiting for stdout. Bounded: a client that stops reading holds up whoever writes
/// to it (the server's stream is then read no further: back-pressure to the server) instead of
/// growing the proxy's memory.
const QUEUE: usize = 64;

pub fn spawn_writer() -> (Out, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    let task = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(mut line) = rx.recv().await {
            line.push(b'\n');
            if stdout.write_all(&line).await.is_err() || stdout.flush().await.is_err() {
                break;
            }
        }
    });
    (tx, task)
}

/// A JSON message as one line. Raw CR/LF cannot occur inside JSON strings, so replacing them
/// with spaces changes only insignificant whitespace: the message is otherwise byte-identical.
pub fn one_line(body: &[u8]) -> Vec<u8> {
    let trimmed = body.trim_ascii();
    trimmed
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_keeps_content() {
        let body = b"{\n  \"a\": \"x y\",\r\n  \"b\": [1,2]\n}\n";
        let line = one_line(body);
        assert!(!line.contains(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["a"], "x y");
    }
}
