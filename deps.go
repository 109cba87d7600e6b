//go:build tools

package palisade

import (
	_ "github.com/Azure/azure-sdk-for-go/sdk/azcore"
	_ "github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	_ "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	_ "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	_ "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy"
	_ "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
	_ "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions/v2"
	_ "github.com/chromedp/chromedp"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/google/uuid"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/jmespath-community/go-jmespath"
	_ "github.com/pquerna/otp"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/spf13/cobra"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/oauth2"
	_ "modernc.org/sqlite"
)
