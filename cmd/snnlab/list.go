package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rs/zerolog"

	"github.com/snnlab/snnlab/framework"
)

// kindByName accepts each kind in the singular and the plural.
var kindByName = map[string]framework.Kind{
	"neuron": framework.NeuronKind, "neurons": framework.NeuronKind,
	"loss": framework.LossKind, "losses": framework.LossKind,
	"backbone": framework.BackboneKind, "backbones": framework.BackboneKind,
	"target": framework.TargetKind, "targets": framework.TargetKind,
}

var kindHeadings = map[framework.Kind]string{
	framework.NeuronKind: "Neurons", framework.LossKind: "Losses",
	framework.BackboneKind: "Backbones", framework.TargetKind: "Targets",
}

func listCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: snnlab list [kind]\n\nLists every registered neuron, loss, backbone and target with its options,\ndefaults, valid ranges and units. kind limits the listing to one kind.\n")
	}
	var plugins pluginFlags
	plugins.register(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true}).Level(zerolog.WarnLevel)
	mgr, err := plugins.start(context.Background(), log)
	if err != nil {
		return err
	}
	defer mgr.Close()
	kinds := []framework.Kind{framework.NeuronKind, framework.LossKind, framework.BackboneKind, framework.TargetKind}
	if fs.NArg() > 0 {
		kind, ok := kindByName[strings.ToLower(fs.Arg(0))]
		if !ok {
			return fmt.Errorf("list: unknown kind %q; use neuron, loss, backbone or target", fs.Arg(0))
		}
		kinds = []framework.Kind{kind}
	}
	for _, kind := range kinds {
		specs := framework.Specs(kind)
		fmt.Fprintf(stdout, "%s (%d)\n", kindHeadings[kind], len(specs))
		if len(specs) == 0 {
			fmt.Fprintln(stdout, "  none registered")
		}
		for _, s := range specs {
			fmt.Fprintf(stdout, "\n  %s  [%s]\n", s.Name, s.Source)
			if s.Doc != "" {
				fmt.Fprintf(stdout, "    %s\n", s.Doc)
			}
			if len(s.Options) == 0 {
				continue
			}
			tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "    option\ttype\tdefault\tvalid\tunit\tdescription")
			for _, o := range s.Options {
				unit := o.Unit
				if unit == "" {
					unit = "-"
				}
				fmt.Fprintf(tw, "    %s\t%s\t%v\t%s\t%s\t%s\n", o.Name, o.Kind, o.Default, o.Range(), unit, o.Doc)
			}
			tw.Flush()
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
