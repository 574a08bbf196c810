//! A fuzz case: one or more named files (the first is the target's main input), kept in a
//! length-prefixed container so that any bytes, separators included, round-trip exactly.
//!
//! On disk: `sentinel-fuzz-case 1\n`, then per file `--- LEN NAME\n`, LEN bytes and `\n`. A file
//! without the header line is one raw input (handy for hand-written fixtures).

/// The container's first line.
const MAGIC: &str = "sentinel-fuzz-case 1\n";

/// Named input files; `files[0]` is the target's main input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// (name, bytes), in order.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Case {
    /// A case of one file.
    pub fn single(name: &str, bytes: impl Into<Vec<u8>>) -> Case {
        Case {
            files: vec![(name.to_string(), bytes.into())],
        }
    }

    /// Total bytes of all files.
    pub fn len(&self) -> usize {
        self.files.iter().map(|f| f.1.len()).sum()
    }

    /// File `i` as text (invalid UTF-8 replaced, as a reader that decodes lossily would see it).
    pub fn text(&self, i: usize) -> String {
        String::from_utf8_lossy(&self.files[i].1).into_owned()
    }

    /// The container bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.as_bytes().to_vec();
        for (name, bytes) in &self.files {
            out.extend_from_slice(format!("--- {} {}\n", bytes.len(), name.replace('\n', " ")).as_bytes());
            out.extend_from_slice(bytes);
            out.push(b'\n');
        }
        out
    }

    /// Reads a container, or a raw file as a one-file case named `default_name`.
    pub fn decode(bytes: &[u8], default_name: &str) -> Result<Case, String> {
        let Some(mut rest) = bytes.strip_prefix(MAGIC.as_bytes()) else {
            return Ok(Case::single(default_name, bytes));
        };
        let mut files = Vec::new();
        while !rest.is_empty() {
            let eol = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or("a file header has no end of line")?;
            let header = std::str::from_utf8(&rest[..eol]).map_err(|e| format!("header: {e}"))?;
            let (len, name) = header
                .strip_prefix("--- ")
                .and_then(|h| h.split_once(' '))
                .ok_or_else(|| format!("bad file header `{header}`"))?;
            let len: usize = len.parse().map_err(|e| format!("bad length in `{header}`: {e}"))?;
            let body = &rest[eol + 1..];
            if body.len() < len + 1 {
                return Err(format!("file `{name}` is truncated"));
            }
            files.push((name.to_string(), body[..len].to_vec()));
            rest = &body[len + 1..];
        }
        if files.is_empty() {
            return Err("the case has no files".into());
        }
        Ok(Case { files })
    }
}

#[cfg(test)]
mod tests {
    use super::Case;

    #[test]
    fn round_trips_any_bytes() {
        let c = Case {
            files: vec![
                ("a.ron".into(), b"--- 3 x\n\n\xff".to_vec()),
                ("b.tle".into(), Vec::new()),
            ],
        };
        assert_eq!(Case::decode(&c.encode(), "x").unwrap(), c);
        assert_eq!(Case::decode(b"raw", "r.tle").unwrap(), Case::single("r.tle", "raw"));
        assert!(Case::decode(b"sentinel-fuzz-case 1\n--- 9 a\nab\n", "x").is_err());
    }
}
