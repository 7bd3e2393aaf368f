// Command pulumi-resource-docker serves kreuzwerker's Terraform Docker provider to the Pulumi engine through
// pulumi-terraform-bridge, under the resource tokens of the pinned pulumi_docker Python SDK, so that SDK drives it
// unchanged. Only the resources this project's Swarm backend creates are mapped; the schema is a stub because the
// SDK is not generated from it.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// version is the pulumi_docker SDK version whose tokens this provider serves (set by tools/go-tool.sh).
var version = "5.2.0"

// tokens maps each Terraform resource to its pulumi_docker token, module index.
var tokens = map[string]string{
	"docker_network": "Network",
	"docker_volume":  "Volume",
	"docker_config":  "ServiceConfig",
	"docker_secret":  "Secret",
	"docker_service": "Service",
}

func main() {
	resources := map[string]*tfbridge.ResourceInfo{}
	for tfName, typeName := range tokens {
		resources[tfName] = &tfbridge.ResourceInfo{Tok: tfbridge.MakeResource("docker", "index", typeName)}
	}
	// A secret given no name is named after its resource with a random suffix, fresh for every replacement: its name
	// then says nothing of its value, and a new value (Docker secrets are immutable) is a new secret (64: Docker's
	// longest secret name).
	resources["docker_secret"].Fields = map[string]*tfbridge.SchemaInfo{"name": tfbridge.AutoName("name", 64, "-")}
	info := tfbridge.ProviderInfo{
		P:         shimv2.NewProvider(shim.NewProvider()),
		Name:      "docker",
		Version:   version,
		Resources: resources,
	}
	schema := []byte(`{"name":"docker","version":"` + version + `"}`)
	tfbridge.Main("docker", version, info, schema)
}
