//! The metrics a trained network is scored by, by name.

/// A metric a trained network is scored by. Accuracies are in percent, as tables hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainMetric {
    /// Accuracy on the validation split held out of the training set.
    ValidAcc,
    /// Mean cross-entropy on the validation split.
    ValidLoss,
    /// Accuracy on the test set.
    TestAcc,
    /// Mean cross-entropy on the test set.
    TestLoss,
    /// Accuracy on the training split, in evaluation mode.
    TrainAcc,
    /// Mean cross-entropy on the training split, in evaluation mode.
    TrainLoss,
    /// Perplexity (the exponential of the mean cross-entropy) on the validation split.
    ValidPpl,
    /// Perplexity on the test set.
    TestPpl,
    /// Perplexity on the training split.
    TrainPpl,
}

impl TrainMetric {
    /// Every metric, by name.
    pub const ALL: [(&'static str, TrainMetric); 9] = [
        ("valid_acc", TrainMetric::ValidAcc),
        ("valid_loss", TrainMetric::ValidLoss),
        ("test_acc", TrainMetric::TestAcc),
        ("test_loss", TrainMetric::TestLoss),
        ("train_acc", TrainMetric::TrainAcc),
        ("train_loss", TrainMetric::TrainLoss),
        ("valid_ppl", TrainMetric::ValidPpl),
        ("test_ppl", TrainMetric::TestPpl),
        ("train_ppl", TrainMetric::TrainPpl),
    ];

    /// The metric called `name`.
    pub fn from_name(name: &str) -> Option<TrainMetric> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
    }

    /// The metric's name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("report", |(n, _)| n)
    }

    /// The names, for messages.
    pub fn names() -> String {
        Self::ALL.map(|(n, _)| n).join(", ")
    }

    /// Whether the metric can score a language model (accuracies cannot).
    pub fn measures_language_models(self) -> bool {
        !matches!(
            self,
            TrainMetric::ValidAcc | TrainMetric::TestAcc | TrainMetric::TrainAcc
        )
    }
}

/// The metrics computed without training (`params`, `flops`) live with the space, whose
/// resource bounds name them too.
pub use crate::space::resource::ArchMetric;
