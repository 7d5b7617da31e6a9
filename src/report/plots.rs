//! The report's charts as SVG text, drawn with plotters' SVG backend: lines with a shaded
//! band (best-so-far, mean ± std over seeds) and scatter plots.

use super::curves::Band;
use plotters::prelude::*;

/// Chart size in pixels.
const SIZE: (u32, u32) = (720, 420);

/// The colour of the `i`-th series.
fn colour(i: usize) -> RGBColor {
    const COLOURS: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    COLOURS[i % COLOURS.len()]
}

/// The range `lo..hi` widened by 5% on each side (and made non-empty).
fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    (lo - 0.05 * span)..(hi + 0.05 * span)
}

pub(super) fn draw_error(e: impl std::fmt::Display) -> String {
    format!("cannot draw a chart: {e}")
}

/// The smallest and largest of `values` (infinite when there are none).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    })
}

/// The chart drawing area the report's charts share: axes over `x` × `y` with their labels,
/// `draw` adding the series, then a legend.
type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn framed(
    title: &str,
    (x_label, y_label): (&str, &str),
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
    draw: impl FnOnce(&mut Chart<'_, '_>) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x, y)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()
            .map_err(draw_error)?;
        draw(&mut chart)?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// A line per series (its mean) with the band mean ± std shaded, in one chart.
pub fn bands(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Band)],
) -> Result<String, String> {
    let (x0, x1) = bounds(series.iter().flat_map(|(_, b)| b.x.iter().copied()));
    let (y0, y1) = bounds(
        series
            .iter()
            .flat_map(|(_, b)| b.mean.iter().zip(&b.std).flat_map(|(m, s)| [m - s, m + s])),
    );
    if !x0.is_finite() || !y0.is_finite() {
        return Err(format!("{title}: no finished trial to plot"));
    }
    let ranges = (padded(x0.min(0.0), x1), padded(y0, y1));
    framed(title, (x_label, y_label), ranges, |chart| {
        for (i, (label, band)) in series.iter().enumerate() {
            let c = colour(i);
            let upper = band.x.iter().zip(&band.mean).zip(&band.std);
            let mut outline: Vec<(f64, f64)> =
                upper.clone().map(|((x, m), s)| (*x, m + s)).collect();
            outline.extend(upper.rev().map(|((x, m), s)| (*x, m - s)));
            chart
                .draw_series(std::iter::once(Polygon::new(outline, c.mix(0.18).filled())))
                .map_err(draw_error)?;
            chart
                .draw_series(LineSeries::new(
                    band.x.iter().copied().zip(band.mean.iter().copied()),
                    c.stroke_width(2),
                ))
                .map_err(draw_error)?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], c.stroke_width(2)));
        }
        Ok(())
    })
}

/// One run's points in a Pareto front chart: all of them, and its front (sorted along x).
pub struct FrontSeries {
    /// The legend's name.
    pub label: String,
    /// Which colour (the run's index).
    pub colour: usize,
    /// Every counted trial's `(x, y)`.
    pub points: Vec<(f64, f64)>,
    /// The front's points, joined in this order.
    pub front: Vec<(f64, f64)>,
}

/// Pareto fronts: each series' points faint and its front drawn as joined dots.
pub fn fronts(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[FrontSeries],
) -> Result<String, String> {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let points = || series.iter().flat_map(|s| s.points.iter().filter(finite));
    let (x0, x1) = bounds(points().map(|p| p.0));
    let (y0, y1) = bounds(points().map(|p| p.1));
    if !x0.is_finite() || !y0.is_finite() {
        return Err(format!("{title}: no finite point to plot"));
    }
    let ranges = (padded(x0, x1), padded(y0, y1));
    framed(title, (x_label, y_label), ranges, |chart| {
        for s in series {
            let c = colour(s.colour);
            chart
                .draw_series(
                    s.points
                        .iter()
                        .filter(finite)
                        .map(|p| Circle::new(*p, 2, c.mix(0.25).filled())),
                )
                .map_err(draw_error)?;
            let front: Vec<(f64, f64)> = s.front.iter().filter(finite).copied().collect();
            chart
                .draw_series(LineSeries::new(front.clone(), c.stroke_width(2)))
                .map_err(draw_error)?;
            chart
                .draw_series(front.iter().map(|p| Circle::new(*p, 4, c.filled())))
                .map_err(draw_error)?
                .label(s.label.as_str())
                .legend(move |(x, y)| Circle::new((x + 9, y), 4, c.filled()));
        }
        Ok(())
    })
}

/// Points `(x, y)` of one or more series in one chart.
pub fn scatter(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> Result<String, String> {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let points = || series.iter().flat_map(|(_, p)| p.iter().filter(finite));
    let (x0, x1) = bounds(points().map(|p| p.0));
    let (y0, y1) = bounds(points().map(|p| p.1));
    if !x0.is_finite() || !y0.is_finite() {
        return Err(format!("{title}: no finite point to plot"));
    }
    let ranges = (padded(x0, x1), padded(y0, y1));
    framed(title, (x_label, y_label), ranges, |chart| {
        for (i, (label, pts)) in series.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(
                    pts.iter()
                        .filter(finite)
                        .map(|p| Circle::new(*p, 3, c.mix(0.7).filled())),
                )
                .map_err(draw_error)?
                .label(label.as_str())
                .legend(move |(x, y)| Circle::new((x + 9, y), 3, c.filled()));
        }
        Ok(())
    })
}
