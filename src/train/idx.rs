//! The IDX format of (Fashion-)MNIST: a big-endian header (two zero bytes, an element-type
//! code, the number of dimensions, then one `u32` per dimension) followed by the raw elements.
//! Files may be gzip-compressed; the reader checks the magic number, the sizes and the length.

use super::DataError;
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::Path;

/// The largest element count accepted from a header, so a corrupt header cannot request an
/// absurd allocation (the full MNIST training images are 47 million bytes).
const MAX_ELEMENTS: u64 = 1 << 32;

/// An unsigned-byte IDX array: its dimensions and its elements in row-major order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxBytes {
    /// Sizes of the dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The elements, `dims.iter().product()` of them.
    pub data: Vec<u8>,
}

/// Reads an IDX file of unsigned bytes (type code 0x08), gzip-compressed or plain.
pub fn read_idx_u8(path: &Path) -> Result<IdxBytes, DataError> {
    let raw = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| DataError::format(path, format!("broken gzip stream: {e}")))?;
        out
    } else {
        raw
    };
    parse_idx_u8(&bytes).map_err(|message| DataError::format(path, message))
}

/// Parses the bytes of an (uncompressed) IDX file of unsigned bytes.
pub fn parse_idx_u8(bytes: &[u8]) -> Result<IdxBytes, String> {
    if bytes.len() < 4 {
        return Err(format!(
            "too short for an IDX header ({} bytes, need at least 4)",
            bytes.len()
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format!(
            "not an IDX file: magic number starts {:02x} {:02x}, expected 00 00",
            bytes[0], bytes[1]
        ));
    }
    if bytes[2] != 0x08 {
        return Err(format!(
            "IDX element type 0x{:02x} is not supported (expected 0x08, unsigned bytes)",
            bytes[2]
        ));
    }
    let ndims = bytes[3] as usize;
    if ndims == 0 {
        return Err("IDX header declares zero dimensions".to_string());
    }
    let header_len = 4 + 4 * ndims;
    if bytes.len() < header_len {
        return Err(format!(
            "truncated header: {ndims} dimensions need {header_len} bytes, file has {}",
            bytes.len()
        ));
    }
    let dims: Vec<usize> = bytes[4..header_len]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let count = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| format!("IDX dimensions {dims:?} are implausibly large"))?;
    let body = &bytes[header_len..];
    if (body.len() as u64) != count {
        let shape = dims
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("×");
        return Err(format!(
            "{} data: header says {shape} = {count} bytes, file holds {}",
            if (body.len() as u64) < count {
                "truncated"
            } else {
                "trailing"
            },
            body.len()
        ));
    }
    Ok(IdxBytes {
        dims,
        data: body.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, 0x08, dims.len() as u8];
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn parses_a_well_formed_array() {
        let parsed = parse_idx_u8(&idx(&[2, 3], &[1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(parsed.dims, vec![2, 3]);
        assert_eq!(parsed.data, vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn rejects_truncated_and_trailing_data() {
        let short = parse_idx_u8(&idx(&[2, 3], &[1, 2, 3])).unwrap_err();
        assert!(short.contains("truncated data"), "{short}");
        assert!(short.contains("2×3 = 6 bytes"), "{short}");
        let long = parse_idx_u8(&idx(&[1], &[1, 2])).unwrap_err();
        assert!(long.contains("trailing data"), "{long}");
    }

    #[test]
    fn rejects_bad_magic_type_and_headers() {
        assert!(parse_idx_u8(&[0, 0]).unwrap_err().contains("too short"));
        assert!(parse_idx_u8(&[1, 0, 8, 1])
            .unwrap_err()
            .contains("magic number"));
        assert!(parse_idx_u8(&[0, 0, 0x0d, 1, 0, 0, 0, 0])
            .unwrap_err()
            .contains("0x0d"));
        assert!(parse_idx_u8(&[0, 0, 8, 3, 0, 0])
            .unwrap_err()
            .contains("truncated header"));
        let huge = idx(&[u32::MAX, u32::MAX, u32::MAX], &[]);
        assert!(parse_idx_u8(&huge).unwrap_err().contains("implausibly"));
    }

    #[test]
    fn reads_gzip_and_plain_files_and_names_the_file_in_errors() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain-idx1-ubyte");
        std::fs::write(&plain, idx(&[3], &[7, 8, 9])).unwrap();
        assert_eq!(read_idx_u8(&plain).unwrap().data, vec![7, 8, 9]);

        let gz = dir.path().join("labels-idx1-ubyte.gz");
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&idx(&[2], &[4, 5])).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        assert_eq!(read_idx_u8(&gz).unwrap().dims, vec![2]);

        let broken = dir.path().join("broken.gz");
        std::fs::write(&broken, [0x1f, 0x8b, 8, 0, 1, 2]).unwrap();
        let err = read_idx_u8(&broken).unwrap_err().to_string();
        assert!(err.contains("broken.gz") && err.contains("gzip"), "{err}");

        let missing = dir.path().join("missing");
        let err = read_idx_u8(&missing).unwrap_err();
        assert!(err.to_string().contains("missing"));
        assert!(err.hint().is_some());
    }
}
