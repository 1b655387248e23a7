using MiniNet.Examples;
using MiniNet.Models;
using MiniNet.Training;

// The main job: MiniGoogLeNet on Fashion-MNIST.
//   dotnet run -c Release --project examples/TrainMiniGoogLeNet                      (embedded subset, a few minutes)
//   dotnet run -c Release --project examples/TrainMiniGoogLeNet -- --data /usr/share/datasets/fashion-mnist
// Recipe: SGD with Nesterov momentum 0.9 and weight decay 1e-4, one-cycle schedule per batch up to the peak rate,
// label smoothing 0.1 on every head, auxiliary weight 0.3 (GoogLeNet's), batch 64.
return TrainingJob.Run(args, new Recipe(
    Name: "MiniGoogLeNet",
    Model: generator => new MiniGoogLeNet(generator),
    SubsetEpochs: 6,
    FullEpochs: 7, // about 27 minutes on the 2-core machine: the 30-minute budget
    LearningRate: 0.1,
    Optimizer: (parameters, lr) => new Sgd(parameters, lr, momentum: 0.9, weightDecay: 1e-4, nesterov: true),
    Schedule: (optimizer, batchesPerEpoch, epochs) => new OneCycleSchedule(optimizer, optimizer.InitialLearningRate, batchesPerEpoch * epochs),
    ScheduleUnit: ScheduleUnit.Batch,
    AuxWeight: 0.3,
    LabelSmoothing: 0.1,
    AuxLabelSmoothing: 0.1,
    Description: "SGD (Nesterov 0.9, weight decay 1e-4), one-cycle to --lr, label smoothing 0.1, aux weight 0.3."));
