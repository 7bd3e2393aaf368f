package server

import (
	"context"
	"fmt"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Link is what `pulumi package add` asks of the program's language host once it has generated the package's SDK.
// A YAML program needs nothing linked: it uses a package through Pulumi.yaml's `packages`, which the CLI writes
// itself once Link returns. pulumi-yaml v1.25.0 predates the method, so that `pulumi package add` stopped with
// "linking package: method Link not implemented" before writing the entry; this file is built into it.
func (host *yamlLanguageHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	var lines []string
	for _, dependency := range req.GetPackages() {
		name := dependency.GetPackage().GetName()
		lines = append(lines, fmt.Sprintf("Resources of %s are typed %s:<Resource> in the program's resources.", name, name))
	}
	return &pulumirpc.LinkResponse{ImportInstructions: strings.Join(lines, "\n")}, nil
}
