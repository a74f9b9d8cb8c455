package wire

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"google.golang.org/grpc/encoding"
)

// CodecName is the gRPC content subtype of Codec.
const CodecName = "snnlab-json"

// Codec encodes the messages of this package for gRPC: a 4-byte
// little-endian header length, the message as JSON, and then, for calls
// that travel inline, the raw tensor bytes. JSON keeps the control
// messages readable without generated code, and the raw tail keeps inline
// tensors out of JSON's base64.
type Codec struct{}

func init() { encoding.RegisterCodec(Codec{}) }

// inliner is implemented by the messages that carry raw tensor bytes.
type inliner interface {
	inline() []byte
	setInline([]byte)
}

// Name returns CodecName.
func (Codec) Name() string { return CodecName }

// Marshal encodes v.
func (Codec) Marshal(v any) ([]byte, error) {
	header, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("neuron plugin protocol: encoding %T: %w", v, err)
	}
	var tail []byte
	if m, ok := v.(inliner); ok {
		tail = m.inline()
	}
	buf := make([]byte, 4+len(header)+len(tail))
	binary.LittleEndian.PutUint32(buf, uint32(len(header)))
	copy(buf[4:], header)
	copy(buf[4+len(header):], tail)
	return buf, nil
}

// Unmarshal decodes data into v. It copies the raw tail, because gRPC may
// reuse data after Unmarshal returns.
func (Codec) Unmarshal(data []byte, v any) error {
	if len(data) < 4 {
		return fmt.Errorf("neuron plugin protocol: %d-byte message for %T is shorter than its 4-byte header", len(data), v)
	}
	n := int64(binary.LittleEndian.Uint32(data))
	if n > int64(len(data)-4) {
		return fmt.Errorf("neuron plugin protocol: message for %T declares a %d-byte header but has %d bytes", v, n, len(data)-4)
	}
	if err := json.Unmarshal(data[4:4+n], v); err != nil {
		return fmt.Errorf("neuron plugin protocol: decoding %T: %w", v, err)
	}
	tail := data[4+n:]
	if m, ok := v.(inliner); ok && len(tail) > 0 {
		m.setInline(append([]byte(nil), tail...))
	} else if len(tail) > 0 {
		return fmt.Errorf("neuron plugin protocol: %T carries %d unexpected raw bytes", v, len(tail))
	}
	return nil
}
