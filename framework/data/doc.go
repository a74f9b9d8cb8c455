// Package data reads the image datasets snnlab trains on and presents them
// through one small interface, Dataset.
//
// Readers: CIFAR-10 binary batches (LoadCIFAR10, LoadCIFAR10Files), MNIST IDX
// files, plain or gzip-compressed (LoadIDX, LoadMNIST, DefaultMNIST), and
// folders of PNG or JPEG images with one sub-folder per class
// (LoadImageFolder, the ImageNet layout). BalancedSubset draws the
// class-balanced label subsets used for semi-supervised runs, and
// ChannelStats measures the per-channel mean and standard deviation used for
// normalisation.
//
// A sample is float32 with layout [T, C, H, W], values in [0, 1] for images
// (T = 1 for static images, so the layout is [C, H, W]). Datasets keep their
// pixels in the compact form of the file (uint8 for CIFAR-10 and MNIST) and
// convert one sample at a time, so 50 000 CIFAR-10 images take 150 MB.
//
// The package does not augment, batch or shuffle: see the augment and loader
// sub-packages. Event-camera recordings live in the events sub-package, and
// downloads in the fetch sub-package.
package data
