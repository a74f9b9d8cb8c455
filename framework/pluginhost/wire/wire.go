// Package wire is the protocol between snnlab and its neuron plugin
// binaries: the go-plugin handshake, a gRPC service written out by hand,
// its messages, and the layout of tensor data in a call's buffer. The host
// (package pluginhost) and the plugin SDK (package neuronplugin) both
// build on it; plugin authors do not need to import it.
//
// No protoc-generated code is involved. The service descriptor is written
// by hand and its messages are plain Go structs encoded by Codec, which is
// registered with gRPC under its own content subtype and selected on every
// call, so go-plugin's own protobuf services keep using protobuf.
//
// Tensor data normally does not travel in messages. The host writes a
// call's tensors into a shared-memory file and the message carries only the
// file's name, an offset and a length (Region). The plugin maps the file
// and writes its outputs in place. When shared memory is unavailable
// or too small, the same byte layout travels inline in the messages.
package wire

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// ProtocolVersion is the version of this protocol. The host refuses a
// plugin that declares another version in its handshake, so it must change
// whenever a message or the buffer layout changes incompatibly.
const ProtocolVersion = 1

// PluginKey is the name of the neuron service in go-plugin's plugin set.
const PluginKey = "neuron"

// Handshake is the go-plugin handshake shared by snnlab and its neuron
// plugins. The magic cookie only shows a plugin binary that snnlab started
// it and is not a security measure.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "SNNLAB_NEURON_PLUGIN",
	MagicCookieValue: "multi-step-neurons-over-grpc",
}

// MaxMessageBytes is the largest gRPC message either side accepts. gRPC's
// default of 4 MiB is too small for tensors sent inline.
const MaxMessageBytes = 1 << 30

// Handler is the neuron service. The plugin SDK implements it inside the
// plugin process, and Client implements it in the host by calling the
// plugin over gRPC.
type Handler interface {
	// Describe returns the plugin's name, version and neuron declarations.
	Describe(context.Context, *DescribeRequest) (*DescribeResponse, error)

	// Create builds one neuron with the given option values and returns a
	// handle for later calls.
	Create(context.Context, *CreateRequest) (*CreateResponse, error)

	// Forward runs one multi-step forward call: In holds the input and
	// the parameters, Out the output.
	Forward(context.Context, *CallRequest) (*CallResponse, error)

	// Backward runs one backward call: In holds the input, the
	// parameters and ∂L/∂O; Out holds ∂L/∂I and each ∂L/∂param.
	Backward(context.Context, *CallRequest) (*CallResponse, error)
}

// ServiceName is the gRPC service name of Handler.
const ServiceName = "snnlab.neuronplugin.v1.Neurons"

// Plugin adapts a Handler to go-plugin's gRPC plugin interface. The host
// leaves Impl nil and receives a *Client.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Handler
}

var _ plugin.GRPCPlugin = (*Plugin)(nil)

// GRPCServer registers the neuron service on the plugin's gRPC server.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return fmt.Errorf("neuron plugin: no handler to serve")
	}
	s.RegisterService(&serviceDesc, p.Impl)
	return nil
}

// GRPCClient returns a *Client that calls the plugin over conn.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &Client{conn: conn}, nil
}

// PluginSet returns the go-plugin plugin set that serves h, or, with a nil
// h, the set a host dispenses clients from.
func PluginSet(h Handler) plugin.PluginSet {
	return plugin.PluginSet{PluginKey: &Plugin{Impl: h}}
}

// NewGRPCServer builds the plugin's gRPC server with message limits raised
// to MaxMessageBytes; pass it as go-plugin's ServeConfig.GRPCServer.
func NewGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts, grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes))
	return grpc.NewServer(opts...)
}

// DialOptions are the host's gRPC dial options, with message limits raised
// to MaxMessageBytes.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(
		grpc.MaxCallRecvMsgSize(MaxMessageBytes),
		grpc.MaxCallSendMsgSize(MaxMessageBytes),
	)}
}

// Serve runs h as a plugin until the host stops it, using the given
// protocol version in the handshake. Plugins call it through the SDK with
// ProtocolVersion; tests pass another version to provoke a mismatch. The
// process exits once its parent has gone, so that a host killed without
// the chance to stop its plugins leaves no plugin behind.
func Serve(h Handler, version int) {
	go exitWithParent(os.Getppid(), time.Second)
	hs := Handshake
	hs.ProtocolVersion = uint(version)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins:         PluginSet(h),
		GRPCServer:      NewGRPCServer,
	})
}

// exitWithParent ends the process when its parent process changes.
func exitWithParent(parent int, every time.Duration) {
	for range time.Tick(every) {
		if os.Getppid() != parent {
			os.Exit(1)
		}
	}
}

// Client calls a plugin's neuron service over gRPC. It is safe for
// concurrent use.
type Client struct {
	conn *grpc.ClientConn
}

var _ Handler = (*Client)(nil)

func (c *Client) invoke(ctx context.Context, method string, in, out any) error {
	return c.conn.Invoke(ctx, "/"+ServiceName+"/"+method, in, out, grpc.CallContentSubtype(CodecName))
}

// Describe calls the plugin's Describe.
func (c *Client) Describe(ctx context.Context, in *DescribeRequest) (*DescribeResponse, error) {
	out := new(DescribeResponse)
	return out, c.invoke(ctx, "Describe", in, out)
}

// Create calls the plugin's Create.
func (c *Client) Create(ctx context.Context, in *CreateRequest) (*CreateResponse, error) {
	out := new(CreateResponse)
	return out, c.invoke(ctx, "Create", in, out)
}

// Forward calls the plugin's Forward.
func (c *Client) Forward(ctx context.Context, in *CallRequest) (*CallResponse, error) {
	out := new(CallResponse)
	return out, c.invoke(ctx, "Forward", in, out)
}

// Backward calls the plugin's Backward.
func (c *Client) Backward(ctx context.Context, in *CallRequest) (*CallResponse, error) {
	out := new(CallResponse)
	return out, c.invoke(ctx, "Backward", in, out)
}

// serviceDesc is the gRPC service descriptor of Handler, written as protoc
// would generate it.
var serviceDesc = grpc.ServiceDesc{
	ServiceName: ServiceName,
	HandlerType: (*Handler)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Describe", Handler: unary("Describe", func(h Handler, ctx context.Context, in *DescribeRequest) (any, error) { return h.Describe(ctx, in) })},
		{MethodName: "Create", Handler: unary("Create", func(h Handler, ctx context.Context, in *CreateRequest) (any, error) { return h.Create(ctx, in) })},
		{MethodName: "Forward", Handler: unary("Forward", func(h Handler, ctx context.Context, in *CallRequest) (any, error) { return h.Forward(ctx, in) })},
		{MethodName: "Backward", Handler: unary("Backward", func(h Handler, ctx context.Context, in *CallRequest) (any, error) { return h.Backward(ctx, in) })},
	},
	Metadata: "framework/pluginhost/wire/wire.go",
}

// unary turns a typed method into a gRPC method handler that decodes its
// request and runs the server's interceptor, if any.
func unary[Req any](method string, call func(Handler, context.Context, *Req) (any, error)) grpc.MethodHandler {
	return func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		in := new(Req)
		if err := dec(in); err != nil {
			return nil, err
		}
		h := srv.(Handler)
		if interceptor == nil {
			return call(h, ctx, in)
		}
		info := &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + ServiceName + "/" + method}
		return interceptor(ctx, in, info, func(ctx context.Context, req any) (any, error) {
			return call(h, ctx, req.(*Req))
		})
	}
}
