from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "assembler.web"
    label = "web"
    verbose_name = "Agenda pack workspace"
