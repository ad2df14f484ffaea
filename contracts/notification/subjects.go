// Package notification is the wire contract of the notification service:
// vendors' webhook configuration (managers, through the gateway), the
// operator's dead-letter list and replay, the webhook request vendors receive
// and how to verify its signature.
package notification

import (
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Service is the micro service name.
const Service = "notification"

// Group is the micro endpoint group.
const Group = "svc.notification.v1"

// Operations: the endpoints serve them, the Client calls them.
var (
	OpSetWebhook    = natsrpc.NewOp[SetWebhookRequest, Webhook](Group, "setwebhook")        // managers; a new secret every time
	OpGetWebhook    = natsrpc.NewOp[WebhookRequest, Webhook](Group, "getwebhook")           // managers; not_found when none
	OpDeleteWebhook = natsrpc.NewOp[WebhookRequest, Deleted](Group, "deletewebhook")        // managers; not_found when none
	OpDeadLetters   = natsrpc.NewOp[DeadLettersRequest, DeliveryPage](Group, "deadletters") // operators
	OpReplay        = natsrpc.NewOp[ReplayRequest, ReplayResponse](Group, "replay")         // operators
)
