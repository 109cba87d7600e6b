package activitylog

import (
	"net/http"
	"strconv"
)

// Event statuses, levels, names and categories as Azure spells them.
const (
	StatusStarted   = "Started"
	StatusAccepted  = "Accepted"
	StatusSucceeded = "Succeeded"
	StatusFailed    = "Failed"

	LevelCritical      = "Critical"
	LevelError         = "Error"
	LevelWarning       = "Warning"
	LevelInformational = "Informational"
	LevelVerbose       = "Verbose"

	CategoryAdministrative = "Administrative"
	CategoryPolicy         = "Policy"

	// ChannelOperation is the channel of Administrative and Policy events.
	ChannelOperation = "Operation"
)

// Levels lists the event levels, most severe first.
var Levels = []string{LevelCritical, LevelError, LevelWarning, LevelInformational, LevelVerbose}

var (
	beginRequest = LocalizableString{Value: "BeginRequest", LocalizedValue: "Begin request"}
	endRequest   = LocalizableString{Value: "EndRequest", LocalizedValue: "End request"}
)

// statusNames are the names of .NET's HttpStatusCode members, which is how
// ARM writes an HTTP status in subStatus.value and properties.statusCode
// ("Created", "NoContent", "Forbidden").
var statusNames = map[int]string{
	200: "OK", 201: "Created", 202: "Accepted", 203: "NonAuthoritativeInformation", 204: "NoContent",
	205: "ResetContent", 206: "PartialContent",
	300: "Ambiguous", 301: "Moved", 302: "Redirect", 303: "RedirectMethod", 304: "NotModified",
	307: "RedirectKeepVerb", 308: "PermanentRedirect",
	400: "BadRequest", 401: "Unauthorized", 402: "PaymentRequired", 403: "Forbidden", 404: "NotFound",
	405: "MethodNotAllowed", 406: "NotAcceptable", 407: "ProxyAuthenticationRequired", 408: "RequestTimeout",
	409: "Conflict", 410: "Gone", 411: "LengthRequired", 412: "PreconditionFailed", 413: "RequestEntityTooLarge",
	414: "RequestUriTooLong", 415: "UnsupportedMediaType", 416: "RequestedRangeNotSatisfiable",
	417: "ExpectationFailed", 421: "MisdirectedRequest", 422: "UnprocessableEntity", 423: "Locked",
	424: "FailedDependency", 426: "UpgradeRequired", 428: "PreconditionRequired", 429: "TooManyRequests",
	431: "RequestHeaderFieldsTooLarge", 451: "UnavailableForLegalReasons",
	500: "InternalServerError", 501: "NotImplemented", 502: "BadGateway", 503: "ServiceUnavailable",
	504: "GatewayTimeout", 505: "HttpVersionNotSupported",
}

// StatusName returns the word ARM uses for an HTTP status ("Created" for
// 201, "Forbidden" for 403); unknown codes are written as digits.
func StatusName(code int) string {
	if n, ok := statusNames[code]; ok {
		return n
	}
	return strconv.Itoa(code)
}

// SubStatus returns an EndRequest event's subStatus: the status name and,
// for display, "Created (HTTP Status Code: 201)" as the portal and the
// schema documentation show it.
func SubStatus(code int) LocalizableString {
	text := http.StatusText(code)
	if text == "" {
		text = StatusName(code)
	}
	return LocalizableString{Value: StatusName(code), LocalizedValue: text + " (HTTP Status Code: " + strconv.Itoa(code) + ")"}
}
