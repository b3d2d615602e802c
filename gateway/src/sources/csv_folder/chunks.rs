//! Splitting a large CSV file into payloads of at most N rows, streaming.
//!
//! A large export is not loaded whole nor handed to a plugin whole: it is cut at
//! record boundaries (quote-aware, so a quoted line break stays inside its row)
//! into payloads that each repeat the header line. Each chunk says which file
//! line its first data row is on, so plugins report true line numbers
//! (`first-line` metadata).

use std::io::BufRead;

/// One payload's worth of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvChunk {
    /// The header line followed by this chunk's rows, as raw bytes.
    pub bytes: Vec<u8>,
    /// 1-based line number in the file of the chunk's first data row.
    pub first_line: u64,
    /// 0-based index of the chunk in the file.
    pub index: u64,
    /// Number of rows (records, including blank lines) in the chunk.
    pub rows: usize,
}

/// Reads CSV records (which may span lines) and groups them into chunks.
pub struct CsvChunker<R> {
    reader: R,
    rows_per_chunk: usize,
    header: Option<Vec<u8>>,
    next_line: u64,
    next_index: u64,
    done: bool,
}

impl<R: BufRead> CsvChunker<R> {
    /// Chunks of at most `rows_per_chunk` rows (at least 1).
    pub fn new(reader: R, rows_per_chunk: usize) -> CsvChunker<R> {
        CsvChunker {
            reader,
            rows_per_chunk: rows_per_chunk.max(1),
            header: None,
            next_line: 1,
            next_index: 0,
            done: false,
        }
    }

    /// Reads one record: lines until quotes balance. Returns the bytes (with line
    /// ends) and the number of lines it spans; `None` at end of input.
    fn read_record(&mut self) -> std::io::Result<Option<(Vec<u8>, u64)>> {
        let mut record = Vec::new();
        let mut lines = 0;
        let mut in_quotes = false;
        loop {
            let start = record.len();
            let n = self.reader.read_until(b'\n', &mut record)?;
            if n == 0 {
                break;
            }
            lines += 1;
            // Each '"' toggles; an escaped quote ("") toggles twice, so it nets out.
            let quotes = record[start..].iter().filter(|&&b| b == b'"').count();
            in_quotes ^= quotes % 2 == 1;
            if !in_quotes {
                break;
            }
        }
        Ok((!record.is_empty()).then_some((record, lines)))
    }

    /// The header line (the file's first record), once read.
    pub fn header(&self) -> Option<&[u8]> {
        self.header.as_deref()
    }

    /// The next chunk, or `None` when the file is exhausted. A file with only a
    /// header yields no chunks.
    pub fn next_chunk(&mut self) -> std::io::Result<Option<CsvChunk>> {
        if self.done {
            return Ok(None);
        }
        if self.header.is_none() {
            match self.read_record()? {
                Some((mut header, lines)) => {
                    if !header.ends_with(b"\n") {
                        header.push(b'\n');
                    }
                    self.header = Some(header);
                    self.next_line += lines;
                }
                None => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        let mut bytes = self.header.clone().unwrap_or_default();
        let first_line = self.next_line;
        let mut rows = 0;
        while rows < self.rows_per_chunk {
            match self.read_record()? {
                Some((record, lines)) => {
                    bytes.extend_from_slice(&record);
                    self.next_line += lines;
                    rows += 1;
                }
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        if rows == 0 {
            return Ok(None);
        }
        let index = self.next_index;
        self.next_index += 1;
        Ok(Some(CsvChunk {
            bytes,
            first_line,
            index,
            rows,
        }))
    }
}

impl<R: BufRead> Iterator for CsvChunker<R> {
    type Item = std::io::Result<CsvChunk>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_chunk().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_repeat_the_header_and_keep_quoted_newlines_whole() {
        let csv = b"a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n3,\"\"\"q\"\"\"\r\n";
        let chunks: Vec<_> = CsvChunker::new(&csv[..], 2).map(Result::unwrap).collect();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].bytes, b"a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n");
        assert_eq!((chunks[0].first_line, chunks[0].rows), (2, 2));
        assert_eq!(chunks[1].bytes, b"a,b\r\n3,\"\"\"q\"\"\"\r\n");
        assert_eq!((chunks[1].first_line, chunks[1].index), (5, 1));
    }

    #[test]
    fn header_only_and_empty_files_give_no_chunks() {
        assert_eq!(CsvChunker::new(&b"a,b\n"[..], 10).count(), 0);
        assert_eq!(CsvChunker::new(&b""[..], 10).count(), 0);
    }

    #[test]
    fn a_missing_final_newline_is_fine() {
        let chunks: Vec<_> = CsvChunker::new(&b"h\n1\n2"[..], 10)
            .map(Result::unwrap)
            .collect();
        assert_eq!(chunks[0].bytes, b"h\n1\n2");
        assert_eq!(chunks[0].rows, 2);
    }
}
