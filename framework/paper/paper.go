// Package paper holds the CIFAR-10 accuracy numbers that Zhou and Datta,
// "Learning Scalable Temporal Representations in Spiking Neural Networks
// without Labels", report in its Tables 2, 5, 6, 14 and 15, so that the
// reproduction scripts can print them beside the measured ones.
//
// The numbers are copied as printed, in percent or as a ratio to the
// soft-reset baseline. The package only looks values up. It does not
// measure or format them.
package paper

import "sort"

// Backbone names as the paper prints them, by the short architecture key
// the reproduction scripts use.
var Backbones = map[string]string{
	"resnet":     "Spiking-ResNet34",
	"spikformer": "Spikformer-4-384",
	"vgg":        "Spiking-VGG16",
}

// values maps a key "table<N>/<part>/..." to the printed number. Accuracies
// are top-1 in percent on CIFAR-10; the Table 15 variances are ratios to
// the soft-reset run of the same backbone.
var values = map[string]float64{
	// Table 5: linear evaluation, neuron × loss.
	"table5/resnet/mixedlif/btl":     85.6,
	"table5/resnet/mixedlif/ctl":     85.2,
	"table5/resnet/mixedlif/ncl":     82.5,
	"table5/resnet/lif/btl":          83.0,
	"table5/resnet/lif/ctl":          84.1,
	"table5/resnet/lif/ncl":          82.9,
	"table5/spikformer/mixedlif/btl": 84.3,
	"table5/spikformer/mixedlif/ctl": 84.2,
	"table5/spikformer/mixedlif/ncl": 82.3,
	"table5/spikformer/lif/btl":      82.1,
	"table5/spikformer/lif/ctl":      82.9,
	"table5/spikformer/lif/ncl":      81.7,

	// Table 14: neuron models under BTL, Spiking-ResNet34.
	"table14/mixedlif": 85.6,
	"table14/lif":      83.0,
	"table14/plif":     83.4,
	"table14/alif":     82.9,
	"table14/if":       81.3,

	// Table 15: reset mechanism.
	"table15/vgg/soft/spike_var":        1.00,
	"table15/vgg/soft/loss_var":         1.00,
	"table15/vgg/soft/acc":              81.1,
	"table15/vgg/hard/spike_var":        0.70,
	"table15/vgg/hard/loss_var":         0.78,
	"table15/vgg/hard/acc":              81.9,
	"table15/spikformer/soft/spike_var": 1.00,
	"table15/spikformer/soft/loss_var":  1.00,
	"table15/spikformer/soft/acc":       83.4,
	"table15/spikformer/hard/spike_var": 0.51,
	"table15/spikformer/hard/loss_var":  0.63,
	"table15/spikformer/hard/acc":       84.9,

	// Table 6: supervised against SSL, CIFAR-10 rows, T = 4.
	"table6/resnet/supervised":     92.9,
	"table6/resnet/ssl":            85.6,
	"table6/spikformer/supervised": 95.2,
	"table6/spikformer/ssl":        84.9,

	// Table 2: fine-tuning on 1 % and 10 % of the CIFAR-10 labels (top-1).
	"table2/barlow-resnet34/1":  73.6,
	"table2/barlow-resnet34/10": 85.6,
	"table2/vgg/1":              73.9,
	"table2/vgg/10":             85.9,
	"table2/resnet/1":           75.1,
	"table2/resnet/10":          87.6,
	"table2/spikformer/1":       74.5,
	"table2/spikformer/10":      87.1,
}

// Lookup returns the number printed under key and whether the paper
// reports one.
func Lookup(key string) (float64, bool) {
	v, ok := values[key]
	return v, ok
}

// Keys returns every known key in sorted order.
func Keys() []string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
