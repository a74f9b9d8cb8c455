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

	"github.com/snnlab/snnlab/lab"
	"github.com/snnlab/snnlab/plugins/targets/loihi2"
)

const exportUsage = `Usage: snnlab export --checkpoint RUN_DIR --out DIR [--target loihi2] [flags]

Exports a finished pretraining run for neuromorphic hardware: the
backbone's spiking path (batch-norm and average pooling folded by the
target) followed by a linear read-out. RUN_DIR is a run folder that
'snnlab run' wrote (runs/<name>-<hash>).

The read-out is the run's linear classifier, as a script trains it with
Model.Classifier and keeps it in RUN_DIR/deploy/ (the newest one is used).
When the run has none, export trains one on the run's training split with
the -linear-* settings and keeps it there for later exports; that needs the
run's data folder (-data) unless the dataset is the embedded MNIST. The
backbone alone is not exported: its final global average pool has no
weight layer to fold into on Loihi.

Target loihi2 writes network.net (lava-dl netx) and network.nir (NIR) and
prints the files, the quantisation error per layer, the estimated cores and
chips, and the mapping and energy constants with their sources. netx
cannot hold residual additions, so for a spiking ResNet only network.nir is
written. Soft reset, ALIF, the continuous path and max-pooling cannot run on
Loihi and are rejected with the layer and the reason (train VGG with the
backbone option pool=avg). With -eval N and the data, export also
classifies N test images with the float model and the bit-accurate
emulator and prints both accuracies, activity and energy per inference.

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
	linearEpochs := fs.Int("linear-epochs", lab.DefaultLinear().Epochs, "epochs of the linear classifier trained when the run has none")
	linearLR := fs.Float64("linear-lr", lab.DefaultLinear().LR, "peak learning rate (AdamW, cosine decay) of that classifier")
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
	level, err := zerolog.ParseLevel(*logLevel)
	if err != nil {
		return fmt.Errorf("export: -log %q: use debug, info, warn or error", *logLevel)
	}
	if _, err := os.Stat(filepath.Join(*checkpoint, "config.json")); err != nil {
		return fmt.Errorf("export: %s is not a run folder (no config.json): pass a folder under runs/ that 'snnlab run' wrote", *checkpoint)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	console := zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly, NoColor: true}
	log := zerolog.New(console).Level(level).With().Timestamp().Logger()
	mgr, err := plugins.start(ctx, log)
	if err != nil {
		return err
	}
	defer mgr.Close()
	lab.Configure(lab.Settings{
		RunsDir: filepath.Dir(filepath.Clean(*checkpoint)), DataDir: *dataDir, Context: ctx,
		Log: log, LogLevel: level, LogTo: stderr, Console: stdout,
	})

	m, err := lab.OpenRun(*checkpoint)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer m.Close()
	clf, err := exportClassifier(m, *linearEpochs, *linearLR, stdout)
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

	if *evalImages > 0 {
		if *target != loihi2.Name {
			return fmt.Errorf("export: -eval emulates Loihi 2 only, not target %q", *target)
		}
		if loihi2.IsResidual(net) {
			return fmt.Errorf("export: -eval: the emulator does not run residual networks; the NIR file was written")
		}
		dep, err := m.DeployLoihi2(clf, lab.DeployOptions{TargetOptions: options, TestImages: *evalImages, Out: *out})
		if err != nil {
			return fmt.Errorf("export: -eval: %w", err)
		}
		fmt.Fprintf(stdout, "\naccuracy on %d test images:\n", dep.Samples)
		fmt.Fprintf(stdout, "  float probe (snnlab features)  %.2f %%\n", 100*dep.FloatTop1)
		fmt.Fprintf(stdout, "  float reference (folded)       %.2f %%\n", 100*dep.ReferenceTop1)
		for _, e := range dep.Emulated {
			fmt.Fprintf(stdout, "  emulated, %-7s timing        %.2f %% (agrees with the reference on %.2f %%, %d steps)\n", e.Timing, 100*e.Top1, 100*e.Agreement, e.Steps)
		}
		fmt.Fprintf(stdout, "per inference: %d synaptic ops, %d neuron updates, %d spikes, %.4g J (%.4g J dynamic)\n",
			dep.SynOps, dep.NeuronUpdates, dep.Spikes, dep.EnergyJ, dep.DynamicJ)
	}
	return nil
}

// exportClassifier returns the run's stored classifier, or trains one on
// the run's splits when the run has none and its data can be loaded.
func exportClassifier(m *lab.Model, epochs int, lr float64, stdout io.Writer) (*lab.LinearClassifier, error) {
	clf, res, path, err := m.StoredClassifier()
	if err == nil {
		fmt.Fprintf(stdout, "classifier: %s (test top-1 %.2f %% on %d images)\n", path, 100*res.Top1, res.NTest)
		return clf, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	opts := lab.DefaultLinear()
	opts.Epochs, opts.LR = epochs, lr
	clf, res, err = m.Classifier(m.Config.TrainLimit, m.Config.TestLimit, opts)
	if err != nil {
		return nil, fmt.Errorf("%s has no trained linear classifier, and training one failed: %w; pass -data with the run's %s folder, or train it in a script with Model.Classifier", m.Dir, err, m.Config.Dataset)
	}
	fmt.Fprintf(stdout, "classifier: trained now, %d epochs, lr %g (test top-1 %.2f %% on %d images)\n", epochs, lr, 100*res.Top1, res.NTest)
	return clf, nil
}

// printReport prints the files, resources and notes of an export.
func printReport(w io.Writer, rep lab.TargetReport) {
	fmt.Fprintln(w, "files:")
	for _, f := range rep.Files {
		fmt.Fprintf(w, "  %s\n", f)
	}
	if len(rep.Resources) > 0 {
		fmt.Fprintf(w, "resources (estimate): %.0f cores, %.0f chips\n", rep.Resources["cores"], rep.Resources["chips"])
		var keys []string
		for k := range rep.Resources {
			if strings.HasPrefix(k, "cores/") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := strings.TrimPrefix(k, "cores/")
			fmt.Fprintf(w, "  %-24s %4.0f cores  %8.0f neurons  %9.0f synapses\n", name, rep.Resources[k], rep.Resources["neurons/"+name], rep.Resources["synapses/"+name])
		}
	}
	fmt.Fprintln(w, "notes:")
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}
