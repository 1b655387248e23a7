namespace MiniNet.Training;

/// <summary>What one epoch of <see cref="Trainer.Fit"/> measured.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss (main head plus weighted auxiliary heads, as optimized) over the epoch's images.</param>
/// <param name="TrainAccuracy">Share of training images whose main-head argmax was right (in training mode, with augmentation and dropout).</param>
/// <param name="TestLoss">Mean main-head loss on the evaluation set, in evaluation mode.</param>
/// <param name="TestAccuracy">Main-head accuracy on the evaluation set, in evaluation mode.</param>
/// <param name="LearningRate">The optimizer's learning rate at the end of the epoch.</param>
/// <param name="TrainSeconds">Wall-clock seconds of the epoch's training part (evaluation excluded).</param>
/// <param name="ImagesPerSecond">Training images per second over the epoch.</param>
/// <param name="ElapsedSeconds">Wall-clock seconds of the whole epoch, training and evaluation (what a time budget counts).</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy,
    double LearningRate, double TrainSeconds, double ImagesPerSecond, double ElapsedSeconds = double.NaN);
