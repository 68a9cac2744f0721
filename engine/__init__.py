"""quytrinh's BPMN runtime: the only package that knows SpiffWorkflow. No Flask here."""
