package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework"
	"github.com/snnlab/snnlab/lab"
	"github.com/snnlab/snnlab/plugins/targets/loihi2"
)

const exportUsage = `Usage: snnlab export --checkpoint RUN_DIR --out DIR [--target loihi2] [flags]

Exports a finished pretraining run for neuromorphic hardware: the
backbone's spiking path (batch-norm and average pooling folded by the
target) followed by a linear read-out. RUN_DIR is a run folder that
'snnlab run' wrote (runs/<name>-<hash>).

The read-out is a linear classifier on the time-mean spiking-path
features, kept in RUN_DIR/deploy/. Without -linear-epochs and -linear-lr,
export uses the newest classifier stored there (a script stores one with
Model.Classifier) and prints its file. When there is none, it trains one
with the default settings. With either flag, export uses the stored
classifier trained with exactly those settings, or trains one on the run's
training split and keeps it there for later exports. Training needs the
run's data folder (-data) unless the dataset is the embedded MNIST. The
target, its options and the backbone's layers are checked before any
classifier is trained. The backbone alone is not exported: its final
global average pool has no weight layer to fold into on Loihi.

Target loihi2 writes network.net (lava-dl netx) and network.nir (NIR) and
prints the files, the quantisation error per layer, the estimated cores and
chips, and the mapping and energy constants with their sources. netx
cannot hold residual additions, so for a spiking ResNet only network.nir is
written. Soft reset, ALIF, the continuous path and max-pooling cannot run on
Loihi and are rejected with the layer and the reason (train VGG with the
backbone option pool=avg). With -eval N and the data, export also
classifies N test images (all of them when the test split is smaller) with
the float model and the bit-accurate emulator and prints both accuracies,
activity and energy per inference. The emulator runs chain networks only,
so for a spiking ResNet -eval prints the float accuracy alone.

Flags:
`

// targetOptions collects repeated -target-option key=value flags.
type targetOptions map[string]any

func (t targetOptions) String() string { return fmt.Sprint(map[string]any(t)) }

// Set parses one key=value pair: a number, true or false, or else a string.
func (t targetOptions) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	if f, err := strconv.ParseFloat(value, 64); err == nil {
		t[key] = f
	} else if b, err := strconv.ParseBool(value); err == nil {
		t[key] = b
	} else {
		t[key] = value
	}
	return nil
}

func exportCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", loihi2.Name, "registered target to export to (snnlab list target)")
	checkpoint := fs.String("checkpoint", "", "folder of the finished run to export (required)")
	out := fs.String("out", "", "folder for the exported files (required)")
	options := targetOptions{}
	fs.Var(options, "target-option", "target option as key=value, repeatable (snnlab list target shows them)")
	dataDir := fs.String("data", "", "data folder of the run's dataset: needed to train a missing classifier and for -eval")
	linearEpochs := fs.Int("linear-epochs", lab.DefaultLinear().Epochs, "epochs of the linear classifier; when given, the stored classifier with these settings is used or one is trained")
	linearLR := fs.Float64("linear-lr", lab.DefaultLinear().LR, "peak learning rate (AdamW, cosine decay) of the linear classifier; when given, as -linear-epochs")
	evalImages := fs.Int("eval", 0, "test images to classify with the float model and the emulator (loihi2 only; 0 skips; needs the data)")
	logLevel := fs.String("log", "info", "console log level: debug, info, warn or error")
	var plugins pluginFlags
	plugins.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, exportUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *checkpoint == "" || *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("export: want --checkpoint RUN_DIR and --out DIR and no other arguments, got %q", args)
	}
	if *evalImages < 0 {
		return fmt.Errorf("export: -eval %d: want 0 or a number of test images", *evalImages)
	}
	if *linearEpochs < 1 {
		return fmt.Errorf("export: -linear-epochs %d: want at least 1", *linearEpochs)
	}
	if !(*linearLR > 0) {
		return fmt.Errorf("export: -linear-lr %g: want a positive learning rate such as %g", *linearLR, lab.DefaultLinear().LR)
	}
	if *evalImages > 0 && *target != loihi2.Name {
		return fmt.Errorf("export: -eval emulates Loihi 2 only, not target %q; drop -eval or use --target %s", *target, loihi2.Name)
	}
	level, err := zerolog.ParseLevel(*logLevel)
	if err != nil {
		return fmt.Errorf("export: -log %q: use debug, info, warn or error", *logLevel)
	}
	if _, err := os.Stat(filepath.Join(*checkpoint, "config.json")); err != nil {
		return fmt.Errorf("export: %s is not a run folder (no config.json): pass a folder under runs/ that 'snnlab run' wrote", *checkpoint)
	}
	linearSet := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "linear-epochs" || f.Name == "linear-lr" {
			linearSet = true
		}
	})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	console := zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly, NoColor: true}
	log := zerolog.New(console).Level(level).With().Timestamp().Logger()
	mgr, err := plugins.start(ctx, log)
	if err != nil {
		return err
	}
	defer mgr.Close()
	// The target and its options are resolved before the run and its
	// dataset are loaded, so a typo fails at once.
	if _, err := framework.NewTarget(*target, options); err != nil {
		return fmt.Errorf("export: --target %s: %w", *target, err)
	}
	lab.Configure(lab.Settings{
		RunsDir: filepath.Dir(filepath.Clean(*checkpoint)), DataDir: *dataDir, Context: ctx,
		Log: log, LogLevel: level, LogTo: stderr, Console: stdout,
	})

	m, err := lab.OpenRun(*checkpoint)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer m.Close()
	if err := m.CheckExport(*target, options); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if *evalImages > 0 {
		if _, err := m.TestImages(1); err != nil {
			return fmt.Errorf("export: -eval classifies test images: %w; pass -data with the run's %s folder", err, m.Config.Dataset)
		}
	}
	opts := lab.DefaultLinear()
	opts.Epochs, opts.LR = *linearEpochs, *linearLR
	clf, err := exportClassifier(m, opts, linearSet, stdout)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	net, err := m.TargetNetwork(clf)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	rep, err := lab.ExportNetwork(net, *target, options, *out)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	printReport(stdout, rep)

	if *evalImages == 0 {
		return nil
	}
	if loihi2.IsResidual(net) {
		return printFloatAccuracy(m, clf, *evalImages, stdout)
	}
	dep, err := m.DeployLoihi2(clf, lab.DeployOptions{TargetOptions: options, TestImages: *evalImages, Out: *out})
	if err != nil {
		return fmt.Errorf("export: -eval: %w", err)
	}
	fmt.Fprintf(stdout, "\naccuracy on %d test images:\n", dep.Samples)
	printCapped(stdout, *evalImages, dep.Samples)
	fmt.Fprintf(stdout, "  float probe (snnlab features)  %.2f %%\n", 100*dep.FloatTop1)
	fmt.Fprintf(stdout, "  float reference (folded)       %.2f %%\n", 100*dep.ReferenceTop1)
	for _, e := range dep.Emulated {
		fmt.Fprintf(stdout, "  emulated, %-7s timing        %.2f %% (agrees with the reference on %.2f %%, %d steps)\n", e.Timing, 100*e.Top1, 100*e.Agreement, e.Steps)
	}
	fmt.Fprintf(stdout, "per inference: %d synaptic ops, %d neuron updates, %d spikes, %.4g J (%.4g J dynamic)\n",
		dep.SynOps, dep.NeuronUpdates, dep.Spikes, dep.EnergyJ, dep.DynamicJ)
	return nil
}

// printFloatAccuracy prints the float probe's accuracy on the first n test
// images of a network the emulator cannot run (a residual one) and the
// reason the emulated accuracy is missing.
func printFloatAccuracy(m *lab.Model, clf *lab.LinearClassifier, n int, stdout io.Writer) error {
	feats, err := m.Features(false, n, false)
	if err != nil {
		return fmt.Errorf("export: -eval: %w", err)
	}
	top1, _, err := clf.Evaluate(feats)
	if err != nil {
		return fmt.Errorf("export: -eval: %w", err)
	}
	fmt.Fprintf(stdout, "\naccuracy on %d test images:\n", feats.N)
	printCapped(stdout, n, feats.N)
	fmt.Fprintf(stdout, "  float probe (snnlab features)  %.2f %%\n", 100*top1)
	fmt.Fprintln(stdout, "  emulated                       not measured: the Loihi 2 emulator runs chain networks only, and this network has residual additions")
	return nil
}

// printCapped prints a note when -eval requested more images than the test
// split contains.
func printCapped(stdout io.Writer, requested, used int) {
	if used < requested {
		fmt.Fprintf(stdout, "  (-eval %d is more than the %d images of the test split; all of them were used)\n", requested, used)
	}
}

// exportClassifier returns the read-out classifier. Unless explicit is set
// (the -linear-* flags were given), it is the newest classifier stored in
// the run folder. With explicit set, or when the run folder has none, it is
// the classifier with the settings opts, loaded or trained now.
func exportClassifier(m *lab.Model, opts lab.LinearOptions, explicit bool, stdout io.Writer) (*lab.LinearClassifier, error) {
	if !explicit {
		clf, res, path, err := m.StoredClassifier()
		if err == nil {
			fmt.Fprintf(stdout, "classifier: %s (stored, %d epochs, test top-1 %.2f %% on %d images)\n", path, res.Epochs, 100*res.Top1, res.NTest)
			fmt.Fprintln(stdout, "  the newest classifier in the run folder; pass -linear-epochs or -linear-lr to use or train one with other settings")
			return clf, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	path, err := m.ClassifierFile(m.Config.TrainLimit, m.Config.TestLimit, opts)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(path)
	stored := statErr == nil
	clf, res, err := m.Classifier(m.Config.TrainLimit, m.Config.TestLimit, opts)
	if err != nil {
		return nil, fmt.Errorf("%s has no trained linear classifier with %d epochs and lr %g, and training one failed: %w; pass -data with the run's %s folder, or train it in a script with Model.Classifier", m.Dir, opts.Epochs, opts.LR, err, m.Config.Dataset)
	}
	if stored {
		fmt.Fprintf(stdout, "classifier: %s (stored, trained earlier with %d epochs, lr %g; test top-1 %.2f %% on %d images)\n", path, opts.Epochs, opts.LR, 100*res.Top1, res.NTest)
	} else {
		fmt.Fprintf(stdout, "classifier: trained now, %d epochs, lr %g (test top-1 %.2f %% on %d images), stored as %s\n", opts.Epochs, opts.LR, 100*res.Top1, res.NTest, path)
	}
	return clf, nil
}

// printReport prints the files, resources and notes of an export.
func printReport(w io.Writer, rep lab.TargetReport) {
	fmt.Fprintln(w, "files:")
	for _, f := range rep.Files {
		fmt.Fprintf(w, "  %s\n", f)
	}
	if len(rep.Resources) > 0 {
		fmt.Fprintf(w, "resources (estimate): %s, %s\n", count(rep.Resources["cores"], "core"), count(rep.Resources["chips"], "chip"))
		var keys []string
		for k := range rep.Resources {
			if strings.HasPrefix(k, "cores/") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := strings.TrimPrefix(k, "cores/")
			fmt.Fprintf(w, "  %-24s %10s  %14s  %16s\n", name, count(rep.Resources[k], "core"), count(rep.Resources["neurons/"+name], "neuron"), count(rep.Resources["synapses/"+name], "synapse"))
		}
	}
	fmt.Fprintln(w, "notes:")
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}

// count formats n with noun in the singular or plural.
func count(n float64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%.0f %ss", n, noun)
}
