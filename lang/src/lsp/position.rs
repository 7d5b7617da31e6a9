//! Byte offsets (the crate's [`Span`](crate::syntax::Span)s) and LSP positions: a line and a
//! column counted in UTF-16 code units, the protocol's default encoding, which every client
//! supports. A character outside the Basic Multilingual Plane counts two units.

use lsp_types::{Position, Range};

/// Where each line of one text starts, to turn byte offsets into positions and back.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line (the first is 0).
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`'s lines (split at `\n`; a `\r` before it belongs to its line).
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The position of byte `offset` of `text` (clamped to the text; an offset inside a
    /// character counts as that character's start).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let column: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(column))
    }

    /// The range of bytes `start..end` of `text`.
    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of `position` in `text`: past the end of a line is its end, past the
    /// last line is the end of the text, and a column inside a surrogate pair is the
    /// character's start.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let line = text[start..].split('\n').next().unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            units += c.len_utf16();
            if units > position.character as usize {
                return start + i;
            }
        }
        start + line.len()
    }

    /// The range covering all of `text`.
    pub fn whole(&self, text: &str) -> Range {
        self.range(text, 0, text.len())
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        // `é` is 2 bytes and 1 unit; `𝕏` is 4 bytes and 2 units.
        let text = "ab\n# é𝕏 x\nlast";
        let index = LineIndex::new(text);
        let x = text.find(" x").unwrap() + 1;
        assert_eq!(index.position(text, x), Position::new(1, 6));
        assert_eq!(index.offset(text, Position::new(1, 6)), x);
        assert_eq!(index.position(text, 0), Position::new(0, 0));
        assert_eq!(index.position(text, text.len()), Position::new(2, 4));
        // A column past the end of a line stops at its end; a line past the end at the end.
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        // Inside the surrogate pair of `𝕏`: its start.
        let double = text.find('𝕏').unwrap();
        assert_eq!(index.offset(text, Position::new(1, 4)), double);
        assert_eq!(index.offset(text, Position::new(1, 3)), double);
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let text = "é";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 1), Position::new(0, 0));
    }
}
