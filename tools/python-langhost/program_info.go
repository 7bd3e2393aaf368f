package main

// This host's protocol (sdk/v3 v3.79.0) names a plugin's program in RunPluginRequest.program; the engine it runs
// under (3.259) leaves that empty and sends a ProgramInfo in RunPluginRequest.info (field 5) instead, which this
// host's generated code does not know. protobuf keeps an unknown field's bytes; this reads the folder out of them.

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// programDirectory returns ProgramInfo.program_directory (field 2) of m's unknown message field `info`, or "".
func programDirectory(m proto.Message, info protowire.Number) string {
	return string(lastBytesField(lastBytesField(m.ProtoReflect().GetUnknown(), info), 2))
}

// lastBytesField returns the value of the last length-delimited field `num` in the wire bytes b, or nil.
func lastBytesField(b []byte, num protowire.Number) []byte {
	var found []byte
	for len(b) > 0 {
		n, typ, size := protowire.ConsumeTag(b)
		if size < 0 {
			return nil
		}
		b = b[size:]
		if n == num && typ == protowire.BytesType {
			found, size = protowire.ConsumeBytes(b)
		} else {
			size = protowire.ConsumeFieldValue(n, typ, b)
		}
		if size < 0 {
			return nil
		}
		b = b[size:]
	}
	return found
}
