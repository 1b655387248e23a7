using MiniNet.Examples;
using MiniNet.Models;
using MiniNet.Training;

// MiniInceptionV3 on Fashion-MNIST with Inception v3's published recipe as TF-slim ran it:
//   dotnet run -c Release --project examples/TrainMiniInceptionV3                    (embedded subset)
//   dotnet run -c Release --project examples/TrainMiniInceptionV3 -- --data /usr/share/datasets/fashion-mnist
// RMSProp in TensorFlow's form (decay 0.9, momentum 0.9, epsilon 1.0), label smoothing 0.1 on both heads, auxiliary
// weight 0.4, the rate times 0.94 every 2 epochs. The initial rate is ours, tuned for batch 64 (see README).
return TrainingJob.Run(args, new Recipe(
    Name: "MiniInceptionV3",
    Model: generator => new MiniInceptionV3(generator),
    SubsetEpochs: 6,
    FullEpochs: 5,
    LearningRate: 0.045,
    Optimizer: (parameters, lr) => new TensorFlowRmsProp(parameters, lr, decay: 0.9, momentum: 0.9, epsilon: 1.0),
    Schedule: (optimizer, batchesPerEpoch, epochs) => new StepSchedule(optimizer, stepSize: 2, gamma: 0.94),
    ScheduleUnit: ScheduleUnit.Epoch,
    AuxWeight: 0.4,
    LabelSmoothing: 0.1,
    AuxLabelSmoothing: 0.1,
    Description: "TensorFlow RMSProp (decay 0.9, momentum 0.9, epsilon 1.0), x0.94 every 2 epochs, label smoothing 0.1, aux weight 0.4."));
