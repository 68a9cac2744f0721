"""The BPMN elements this engine runs, and the ones it refuses by name.

The supported set is what SpiffWorkflow 3.2.0 executes and our runtime drives (user, service, script,
send/receive tasks; sub-processes, call activities and transactions; exclusive, parallel, inclusive and
event-based gateways; start/end/intermediate/boundary events with message, timer, error, escalation,
signal, terminate, cancel and link definitions), plus the purely descriptive parts (lanes, data objects,
annotations, groups, diagram). Everything else is refused naming the element and its id, with the
reason, instead of deploying a model that stalls or behaves differently at run time:

- data stores (no implementation here; SpiffWorkflow refuses the whole file),
- compensation, conditional events (need a re-evaluation loop the runtime does not have),
- ad-hoc sub-processes, complex gateways, choreographies, conversations, global tasks,
- business rule tasks (DMN tables are not part of a package yet).

Only the processes that run are checked (plus root definitions and collaborations); other pools in the
same file are documentation and may contain anything.
"""

from __future__ import annotations

from lxml import etree

from .problems import Problem, problem
from .xml import BPMN_NS, is_bpmn, line_of, local_name

SUPPORTED = frozenset({
    # document structure and root definitions
    "definitions", "process", "collaboration", "participant", "participantMultiplicity", "messageFlow",
    "message", "signal", "error", "escalation", "itemDefinition", "interface", "operation", "inMessageRef",
    "outMessageRef", "errorRef", "endPoint", "resource", "resourceParameter", "partnerEntity", "partnerRole",
    "relationship", "extension", "documentation", "extensionElements", "category", "categoryValue",
    "correlationProperty", "correlationPropertyRetrievalExpression", "messagePath", "formalExpression",
    "correlationKey", "correlationPropertyRef", "correlationSubscription", "correlationPropertyBinding",
    "dataPath", "participantRef", "interfaceRef", "processRef", "supportedInterfaceRef",
    # lanes and flow
    "laneSet", "lane", "childLaneSet", "flowNodeRef", "partitionElement", "sequenceFlow",
    "conditionExpression", "incoming", "outgoing", "textAnnotation", "text", "association", "group",
    "auditing", "monitoring", "property",
    # data
    "dataObject", "dataObjectReference", "dataState", "dataInputAssociation", "dataOutputAssociation",
    "sourceRef", "targetRef", "transformation", "assignment", "from", "to", "ioSpecification", "dataInput",
    "dataOutput", "inputSet", "outputSet", "dataInputRefs", "dataOutputRefs", "optionalInputRefs",
    "optionalOutputRefs", "whileExecutingInputRefs", "whileExecutingOutputRefs", "outputSetRefs",
    "inputSetRefs", "ioBinding",
    # activities
    "task", "userTask", "manualTask", "scriptTask", "script", "serviceTask", "sendTask", "receiveTask",
    "subProcess", "callActivity", "transaction", "rendering",
    "multiInstanceLoopCharacteristics", "loopCardinality", "loopDataInputRef", "loopDataOutputRef",
    "inputDataItem", "outputDataItem", "completionCondition", "standardLoopCharacteristics", "loopCondition",
    "performer", "humanPerformer", "potentialOwner", "resourceRef", "resourceAssignmentExpression",
    "resourceParameterBinding", "expression",
    # events and gateways
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "messageEventDefinition", "timerEventDefinition", "timeDate", "timeDuration", "timeCycle",
    "errorEventDefinition", "escalationEventDefinition", "signalEventDefinition", "terminateEventDefinition",
    "cancelEventDefinition", "linkEventDefinition", "source", "target", "eventDefinitionRef",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
})

REFUSED: dict[str, tuple[str, str]] = {
    "dataStore": ("kho dữ liệu (data store) chưa có cài đặt trong hệ thống",
                  "data stores have no implementation in this engine"),
    "dataStoreReference": ("kho dữ liệu (data store) chưa có cài đặt trong hệ thống",
                           "data stores have no implementation in this engine"),
    "compensateEventDefinition": ("bồi hoàn (compensation) không được hỗ trợ", "compensation is not supported"),
    "conditionalEventDefinition": ("sự kiện điều kiện không được hỗ trợ (cần vòng đánh giá lại liên tục)",
                                   "conditional events are not supported (they need a polling loop)"),
    "adHocSubProcess": ("tiểu trình ad-hoc không được hỗ trợ", "ad-hoc sub-processes are not supported"),
    "complexGateway": ("cổng phức hợp (complex gateway) không được hỗ trợ", "complex gateways are not supported"),
    "businessRuleTask": ("tác vụ quy tắc nghiệp vụ cần bảng quyết định DMN, gói chưa hỗ trợ",
                         "business rule tasks need DMN tables, which packages do not carry yet"),
    "import": ("không được nhập (import) tài liệu ngoài gói", "imports of documents outside the package are refused"),
    "implicitThrowEvent": ("sự kiện ném ngầm định không được hỗ trợ", "implicit throw events are not supported"),
}
for _name in ("choreography", "choreographyTask", "subChoreography", "callChoreography",
              "globalChoreographyTask", "choreographyRef"):
    REFUSED[_name] = ("biểu đồ choreography không chạy được", "choreographies are not executable")
for _name in ("conversation", "subConversation", "callConversation", "conversationLink",
              "conversationAssociation", "conversationNode"):
    REFUSED[_name] = ("hội thoại (conversation) không được hỗ trợ", "conversations are not supported")
for _name in ("globalTask", "globalUserTask", "globalScriptTask", "globalManualTask",
              "globalBusinessRuleTask"):
    REFUSED[_name] = ("tác vụ toàn cục không được hỗ trợ (call activity phải gọi một process)",
                      "global tasks are not supported (a call activity must call a process)")


def nearest_id(element: etree._Element) -> str | None:
    node = element
    while node is not None:
        if isinstance(node.tag, str) and node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


#: Elements whose own id is not what a process owner would look for (expressions, definitions, loops).
_INNER = frozenset({
    "conditionExpression", "formalExpression", "loopCardinality", "completionCondition", "loopCondition",
    "timeDate", "timeDuration", "timeCycle", "script", "timerEventDefinition", "messageEventDefinition",
    "errorEventDefinition", "escalationEventDefinition", "signalEventDefinition", "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics", "extensionElements", "correlationPropertyRetrievalExpression", "messagePath",
})


def owner_id(element: etree._Element) -> str | None:
    """The id of the flow element (task, event, flow, gateway...) an expression belongs to."""
    node = element
    while node is not None:
        if is_bpmn(node) and local_name(node) not in _INNER and node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def check_elements(path: str, scopes: list[etree._Element]) -> list[Problem]:
    """Refuse unsupported BPMN elements (and compensation activities) inside ``scopes``."""
    found: list[Problem] = []
    for scope in scopes:
        _walk(path, scope, found)
    return found


def _walk(path: str, element: etree._Element, found: list[Problem]) -> None:
    if not isinstance(element.tag, str) or not is_bpmn(element):
        return  # comments, diagram interchange, vendor extensions: not ours to judge
    name = local_name(element)
    if name == "extensionElements":
        return
    element_id = nearest_id(element)
    if name in REFUSED:
        vi, en = REFUSED[name]
        found.append(problem("unsupported_element", f"Phần tử bpmn:{name} '{element_id}' bị từ chối: {vi}.",
                             f"Element bpmn:{name} '{element_id}' is refused: {en}.", file=path,
                             line=line_of(element), element_id=element_id))
        return
    if name not in SUPPORTED:
        found.append(problem("unsupported_element", f"Phần tử bpmn:{name} '{element_id}' không được hỗ trợ.",
                             f"Element bpmn:{name} '{element_id}' is not supported.", file=path,
                             line=line_of(element), element_id=element_id))
        return
    if element.get("isForCompensation") == "true":
        found.append(problem("unsupported_element",
                             f"Hoạt động bồi hoàn '{element_id}' (isForCompensation) không được hỗ trợ.",
                             f"Compensation activity '{element_id}' (isForCompensation) is not supported.",
                             file=path, line=line_of(element), element_id=element_id))
    for child in element:
        _walk(path, child, found)


def root_scopes(root: etree._Element, running: set[str]) -> list[etree._Element]:
    """Root definitions and collaborations, plus the processes that run; other pools are skipped."""
    scopes = []
    for child in root:
        if child.tag == f"{{{BPMN_NS}}}process" and child.get("id") not in running:
            continue
        scopes.append(child)
    return scopes
