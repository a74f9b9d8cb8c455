//go:build snnlab

// t-SNE of the representations per time step (Figure 6 of Zhou and Datta):
// for each ablation setting, the test images' features at every time step
// embedded in two dimensions and coloured by class.
//
//	snnlab run scripts/tsne.go -data CIFAR10_MINI_DIR -- -scale smoke
//	snnlab run scripts/tsne.go -data CIFAR10_DIR -- -scale laptop -limit 2000 -accuracy
//
// The settings are the paper's: MixedLIF with BTL (the baseline) and NCL,
// LIF with BTL, CTL and NCL, on the ResNet of the chosen scale. Their runs
// are the ablation script's and are reused when it trained them. t-SNE is
// exact (every pairwise affinity), seeded, and costs n² per iteration, so
// -limit caps the images. Writes runs/tsne/figure6-<setting>-t<step>.{png,svg}
// and figure6.{md,csv}, which lists every panel.
package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/snnlab/snnlab/lab"
)

var cifarClasses = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// paperAccuracy is the linear accuracy Figure 6's caption gives per
// setting.
var paperAccuracy = map[string]float64{
	"mixedlif-btl": 85.6, "mixedlif-ncl": 82.5, "lif-btl": 83.0, "lif-ctl": 84.1, "lif-ncl": 82.9,
}

func main() {
	flags := flag.NewFlagSet("tsne", flag.ContinueOnError)
	scaleName := flags.String("scale", "smoke", "size preset: "+strings.Join(lab.ScaleNames, ", "))
	limit := flags.Int("limit", 1000, "test images to embed (class-balanced prefix); 0 uses the scale's test split")
	perplexity := flags.Float64("perplexity", 30, "t-SNE perplexity; lowered to (images − 1)/3 when larger")
	iterations := flags.Int("iterations", 1000, "t-SNE iterations")
	seed := flags.Int64("seed", 1, "t-SNE seed")
	accuracy := flags.Bool("accuracy", false, "also run linear evaluation and show the accuracy in the titles")
	lab.Check(flags.Parse(lab.Args()))

	scale, err := lab.ScaleByName(*scaleName)
	lab.Check(err)
	a, err := scale.Arch("resnet")
	lab.Check(err)
	settings := [][]string{
		{"mixedlif", "btl", "(a) MixedLIF + BTL"},
		{"mixedlif", "ncl", "(b) MixedLIF + NCL"},
		{"lif", "btl", "(c) LIF + BTL"},
		{"lif", "ctl", "(d) LIF + CTL"},
		{"lif", "ncl", "(e) LIF + NCL"},
	}

	t := lab.NewTable("Figure 6: t-SNE panels of the representation per time step",
		"Setting", "Step", "Images", "Figure", "Linear top-1 (%)", "Paper top-1 (%)")
	t.Caption = fmt.Sprintf("Scale %s: %s. %s; each panel embeds the test images' backbone features at one time step with exact t-SNE (perplexity %g, %d iterations, seed %d), coloured by class.",
		scale.Name, scale.Description, a.Label, *perplexity, *iterations, *seed)
	t.Scale = scale.Name
	for _, s := range settings {
		cfg, err := scale.Config("resnet", s[0], s[1], nil, 1)
		lab.Check(err)
		m, err := lab.Pretrain(cfg)
		lab.Check(err)
		f, err := m.Features(false, *limit, true)
		lab.Check(err)
		acc := lab.Empty()
		title := s[2]
		if *accuracy {
			top1, err := scale.LinearTop1(m, 1)
			lab.Check(err)
			acc = lab.Num(top1, 1)
			title = fmt.Sprintf("%s, %.1f %%", s[2], top1)
		}
		opts := lab.DefaultTSNE()
		opts.Perplexity, opts.Iterations, opts.Seed = *perplexity, *iterations, *seed
		if maxP := float64(f.N-1) / 3; opts.Perplexity > maxP {
			opts.Perplexity = maxP
		}
		key := s[0] + "-" + s[1]
		for step := 1; step <= f.T; step++ {
			pts, err := lab.TSNE(f, step, opts, cifarClasses)
			lab.Check(err)
			name := fmt.Sprintf("figure6-%s-t%d", key, step)
			lab.Check(lab.SaveScatter(name, lab.Axes{Title: fmt.Sprintf("%s, step %d", title, step)}, pts))
			paper := lab.Empty()
			if v, ok := paperAccuracy[key]; ok {
				paper = lab.Num(v, 1)
			}
			lab.Check(t.AddRow(lab.Text(s[2]), lab.Num(float64(step), 0), lab.Num(float64(f.N), 0), lab.Text(name+".png"), acc, paper))
		}
		lab.Printf("%s: %d panels of %d images", s[2], f.T, f.N)
	}
	_, err = lab.SaveTable(t, "figure6")
	lab.Check(err)
}
