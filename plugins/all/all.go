// Package all registers every built-in neuron, loss, backbone and target.
// Import it for its side effects:
//
//	import _ "github.com/snnlab/snnlab/plugins/all"
package all

import (
	_ "github.com/snnlab/snnlab/plugins/backbones"
	_ "github.com/snnlab/snnlab/plugins/losses/bt"
	_ "github.com/snnlab/snnlab/plugins/losses/btl"
	_ "github.com/snnlab/snnlab/plugins/losses/ctl"
	_ "github.com/snnlab/snnlab/plugins/losses/ncl"
	_ "github.com/snnlab/snnlab/plugins/neurons/alif"
	_ "github.com/snnlab/snnlab/plugins/neurons/if"
	_ "github.com/snnlab/snnlab/plugins/neurons/lif"
	_ "github.com/snnlab/snnlab/plugins/neurons/mixedlif"
	_ "github.com/snnlab/snnlab/plugins/neurons/plif"
	_ "github.com/snnlab/snnlab/plugins/neurons/relu"
	_ "github.com/snnlab/snnlab/plugins/targets/loihi2"
)
