//! α over epochs as a heat map (plotters' SVG backend): one row per op of an α row (an edge),
//! one column per finished epoch, each cell shaded by the op's softmax weight (white 0, dark
//! blue 1) with the weight written in it.

use super::plots::draw_error;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width of the op-label margin and height of one op's band, in pixels.
const LABELS: u32 = 130;
const BAND: u32 = 26;

/// The heat map of one α row: `ops` its ops' labels, `columns` (epoch, weights per op).
pub fn alpha_map(
    title: &str,
    ops: &[String],
    columns: &[(u64, Vec<f64>)],
) -> Result<String, String> {
    if ops.is_empty() || columns.is_empty() {
        return Err(format!("{title}: no epoch to draw"));
    }
    let cell = (560 / columns.len() as u32).clamp(14, 60);
    let size = (
        LABELS + cell * columns.len() as u32 + 20,
        70 + BAND * ops.len() as u32,
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let (epochs, n_ops) = (columns.len() as f64, ops.len() as f64);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(LABELS)
            .build_cartesian_2d(0.0..epochs, 0.0..n_ops)
            .map_err(draw_error)?;
        let epoch_of = |x: &f64| {
            let i = x.floor() as usize;
            columns.get(i).map_or(String::new(), |(e, _)| e.to_string())
        };
        // Ticks every half band: the labels go on the bands' middles, the others stay empty.
        let op_of = |y: &f64| {
            if (y.fract() - 0.5).abs() > 0.01 {
                return String::new();
            }
            let i = y.floor() as usize;
            ops.get(ops.len().saturating_sub(i + 1))
                .cloned()
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("epoch")
            .x_labels(columns.len().min(12))
            .x_label_formatter(&|x| epoch_of(&(x + 0.5)))
            .y_labels(2 * ops.len() + 1)
            .y_label_formatter(&op_of)
            .draw()
            .map_err(draw_error)?;
        let mut cells = Vec::new();
        let mut texts = Vec::new();
        let style = TextStyle::from(("sans-serif", 10).into_font())
            .pos(Pos::new(HPos::Center, VPos::Center));
        for (i, (_, weights)) in columns.iter().enumerate() {
            for (j, &w) in weights.iter().enumerate() {
                let w = w.clamp(0.0, 1.0);
                let y = (ops.len() - 1 - j) as f64;
                let shade = RGBColor(
                    (255.0 - 224.0 * w) as u8,
                    (255.0 - 176.0 * w) as u8,
                    (255.0 - 75.0 * w) as u8,
                );
                cells.push(Rectangle::new(
                    [(i as f64, y), (i as f64 + 1.0, y + 1.0)],
                    shade.filled(),
                ));
                if cell >= 28 {
                    let ink: &'static RGBColor = if w > 0.55 { &WHITE } else { &BLACK };
                    texts.push(Text::new(
                        format!("{w:.2}"),
                        (i as f64 + 0.5, y + 0.5),
                        style.color(ink),
                    ));
                }
            }
        }
        chart.draw_series(cells).map_err(draw_error)?;
        chart.draw_series(texts).map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_cell_per_op_and_epoch_and_refuses_nothing_to_draw() {
        let ops = vec!["skip".to_string(), "conv".to_string()];
        let columns = vec![(1, vec![0.5, 0.5]), (2, vec![0.2, 0.8])];
        let svg = alpha_map("e0", &ops, &columns).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.matches("<rect").count() >= 5, "{svg}"); // background and 4 cells
        assert!(svg.contains("0.80") && svg.contains("conv") && svg.contains("skip"));
        assert!(alpha_map("e0", &ops, &[]).is_err());
    }
}
