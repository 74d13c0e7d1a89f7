# The notification e-mail address (encrypted, blind index, masked copy, when confirmed) and one
# table of one-time codes for SMS and e-mail: SmsCode renamed to OneTimeCode, keeping its rows.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.RenameModel(old_name='SmsCode', new_name='OneTimeCode'),
        migrations.RemoveIndex(model_name='onetimecode', name='accounts_sm_mobile__82b63a_idx'),
        migrations.RenameField(model_name='onetimecode', old_name='mobile_index', new_name='target_index'),
        migrations.AddIndex(
            model_name='onetimecode',
            index=models.Index(fields=['target_index', 'purpose', 'created_at'], name='accounts_on_target__1c6d6c_idx'),
        ),
        migrations.AddField(
            model_name='onetimecode',
            name='target_enc',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='onetimecode',
            name='user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='user',
            name='email_enc',
            field=models.TextField(blank=True, verbose_name='电子邮箱（密文）'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_index',
            field=models.CharField(blank=True, db_index=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name='user',
            name='email_masked',
            field=models.CharField(blank=True, max_length=260, verbose_name='电子邮箱'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_confirmed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='电子邮箱验证时间'),
        ),
    ]
